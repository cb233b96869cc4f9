package console

// subscription is a subscription as the admin API writes it, with the
// names a page looked up for it (not part of the API's answer).
type subscription struct {
	ID                string `json:"id"`
	ApplicationID     string `json:"applicationId"`
	APIID             string `json:"apiId"`
	Tier              string `json:"tier"`
	State             string `json:"state"`
	RequestedBy       string `json:"requestedBy"`
	DecidedBy         string `json:"decidedBy"`
	DecideTime        string `json:"decideTime"`
	Reason            string `json:"reason"`
	CreateTime        string `json:"createTime"`
	ApplicationAgency string `json:"applicationAgency"`
	APIOwnerAgency    string `json:"apiOwnerAgency"`

	APIName    string `json:"-"`
	APIVersion string `json:"-"`
	AppName    string `json:"-"`
}

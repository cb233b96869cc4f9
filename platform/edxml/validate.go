package edxml

import "time"

// Vietnam has used UTC+7 without daylight saving since 1975; a fixed zone
// avoids depending on the host's time-zone database.
var vietnam = time.FixedZone("Asia/Ho_Chi_Minh", 7*3600)

var dateLayouts = []string{"2006/01/02", "2006-01-02"}

var timestampLayouts = []string{
	"2006/01/02 15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	time.RFC3339,
}

// ParseDate reads a date of the standard (yyyy/MM/dd; yyyy-MM-dd is also
// accepted) at midnight in Vietnam.
func ParseDate(s string) (time.Time, error) {
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, vietnam); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrBadDate.with("", "%q", s)
}

// ParseTimestamp reads a timestamp of the standard (yyyy/MM/dd HH:mm:ss,
// fractional seconds allowed; ISO 8601 forms are also accepted), in
// Vietnamese time unless it carries a zone.
func ParseTimestamp(s string) (time.Time, error) {
	for _, l := range timestampLayouts {
		if t, err := time.ParseInLocation(l, s, vietnam); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrBadDate.with("", "%q", s)
}

// FormatDate and FormatTimestamp write the standard's forms, in Vietnamese time.
func FormatDate(t time.Time) string      { return t.In(vietnam).Format("2006/01/02") }
func FormatTimestamp(t time.Time) string { return t.In(vietnam).Format("2006/01/02 15:04:05") }

func required(v, field string) error {
	if v == "" {
		return ErrMissingField.at(field)
	}
	return nil
}

func checkDate(v, field string, need bool) error {
	if v == "" {
		if need {
			return ErrMissingField.at(field)
		}
		return nil
	}
	if _, err := ParseDate(v); err != nil {
		return ErrBadDate.with(field, "%q", v)
	}
	return nil
}

func checkTimestamp(v, field string, need bool) error {
	if v == "" {
		if need {
			return ErrMissingField.at(field)
		}
		return nil
	}
	if _, err := ParseTimestamp(v); err != nil {
		return ErrBadDate.with(field, "%q", v)
	}
	return nil
}

// validateDocument checks a document header; Parse and BuildDocument share
// it, so what we build is what we accept. The DocumentId is an identifier
// and is not checked for the issuer,date,number form: the samples carry a
// UUID in one and an impossible date (2014/02/30) in another.
func validateDocument(d *Document) error {
	if err := required(d.From.OrganID, "MessageHeader/From/OrganId"); err != nil {
		return err
	}
	if len(d.To) == 0 {
		return ErrMissingField.at("MessageHeader/To")
	}
	for _, t := range d.To {
		if err := required(t.OrganID, "MessageHeader/To/OrganId"); err != nil {
			return err
		}
	}
	checks := []error{
		required(d.DocumentID, "MessageHeader/DocumentId"),
		checkDate(d.PromulgationInfo.PromulgationDate, "MessageHeader/PromulgationInfo/PromulgationDate", true),
		required(d.Subject, "MessageHeader/Subject"),
		checkDate(d.DueDate, "MessageHeader/DueDate", false),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	for _, r := range d.ResponseFor {
		if err := checkDate(r.PromulgationDate, "MessageHeader/ResponseFor/PromulgationDate", false); err != nil {
			return err
		}
	}
	for _, t := range d.TraceHeaders {
		if err := checkTimestamp(t.Timestamp, "TraceHeaderList/TraceHeader/Timestamp", false); err != nil {
			return err
		}
	}
	if t := d.Business.BussinessDocType; t < DocNew || t > DocReplace {
		return ErrBadValue.with("TraceHeaderList/Bussiness/BussinessDocType", "%d (0 new, 1 revoke, 2 update, 3 replace)", t)
	}
	return nil
}

// validateStatus checks a status header, for ParseStatus and BuildStatus.
func validateStatus(s *Status) error {
	if err := required(s.From.OrganID, "MessageHeader/From/OrganId"); err != nil {
		return err
	}
	if err := required(s.ResponseFor.DocumentID, "MessageHeader/ResponseFor/DocumentId"); err != nil {
		return err
	}
	if err := checkDate(s.ResponseFor.PromulgationDate, "MessageHeader/ResponseFor/PromulgationDate", false); err != nil {
		return err
	}
	if s.StatusCode == "" {
		return ErrMissingField.at("MessageHeader/StatusCode")
	}
	if !s.StatusCode.Known() {
		return ErrBadValue.with("MessageHeader/StatusCode", "%q (01–06, 13, 15, 16)", s.StatusCode)
	}
	return checkTimestamp(s.Timestamp, "MessageHeader/Timestamp", true)
}

package registry

import (
	"context"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const (
	subPending   = "pending"
	subApproved  = "approved"
	subRejected  = "rejected"
	subSuspended = "suspended"

	// autoApprover is recorded as the decider of automatic approvals.
	autoApprover = "system:auto-approval"
)

var subStateToProto = map[string]registryv1.SubscriptionState{
	subPending:   registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING,
	subApproved:  registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED,
	subRejected:  registryv1.SubscriptionState_SUBSCRIPTION_STATE_REJECTED,
	subSuspended: registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED,
}

// subTransitions: action → (from state, to state).
var subTransitions = map[string][2]string{
	"approve": {subPending, subApproved},
	"reject":  {subPending, subRejected},
	"suspend": {subApproved, subSuspended},
	"resume":  {subSuspended, subApproved},
}

type subRow struct {
	ID, AppID, APIID, Tier, State, RequestedBy, DecidedBy, Reason string
	Decided, Created, Updated                                     int64
	// Joined, for display and scoping.
	AppAgency, APIOwner string
}

const subSelect = `SELECT s.id, s.application_id, s.api_id, s.tier, s.state, s.requested_by, s.decided_by, s.reason,
	s.decided_ms, s.created_ms, s.updated_ms, a.agency_code, p.owner_agency
	FROM registry_subscriptions s JOIN registry_applications a ON a.id = s.application_id JOIN registry_apis p ON p.id = s.api_id`

func scanSub(sc scanner) (subRow, error) {
	var r subRow
	err := sc.Scan(&r.ID, &r.AppID, &r.APIID, &r.Tier, &r.State, &r.RequestedBy, &r.DecidedBy, &r.Reason,
		&r.Decided, &r.Created, &r.Updated, &r.AppAgency, &r.APIOwner)
	return r, err
}

func (r subRow) proto() *registryv1.Subscription {
	return &registryv1.Subscription{Id: r.ID, ApplicationId: r.AppID, ApiId: r.APIID, Tier: r.Tier, State: subStateToProto[r.State],
		RequestedBy: r.RequestedBy, DecidedBy: r.DecidedBy, DecideTime: tsOrNil(r.Decided), Reason: r.Reason,
		CreateTime: tsOrNil(r.Created), UpdateTime: tsOrNil(r.Updated), ApplicationAgency: r.AppAgency, ApiOwnerAgency: r.APIOwner}
}

func getSub(ctx context.Context, db *sqlstore.DB, q querier, id string) (subRow, error) {
	r, err := scanSub(q.QueryRowContext(ctx, db.Rebind(subSelect+` WHERE s.id = ?`), id))
	if errNoRows(err) {
		return r, errSubscriptionNotFound(id)
	}
	return r, err
}

// subAgency is the agency that makes a subscription the caller's own:
// the API owner for publishers, the application's agency for developers.
func (c caller) subAgency(r subRow) string {
	if c.Role == publisher {
		return r.APIOwner
	}
	return r.AppAgency
}

func checkReason(reason string) error {
	if len([]rune(reason)) > maxShortText {
		return errReason
	}
	return checkText("reason", strings.TrimSpace(reason), ruleText)
}

// CreateSubscription asks for an application's access to an API version.
// It is approved at once when the API approves automatically, else pending.
func (s *Service) CreateSubscription(ctx context.Context, req *registryv1.CreateSubscriptionRequest) (*registryv1.CreateSubscriptionResponse, error) {
	c, err := authorize(ctx, "CreateSubscription")
	if err != nil {
		return nil, err
	}
	if err := requireID("application_id", req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := requireID("api_id", req.GetApiId()); err != nil {
		return nil, err
	}
	if req.GetTier() == "" {
		return nil, errTierRequired
	}
	var out subRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		app, err := getApp(ctx, s.db, t.tx, req.GetApplicationId())
		if err != nil {
			return err
		}
		if err := c.requireOwn(app.Agency); err != nil {
			return err
		}
		if app.State != appActive {
			return errAppSuspended
		}
		api, err := getAPI(ctx, s.db, t.tx, req.GetApiId())
		if err != nil {
			return err
		}
		if api.Visibility != visPublic && api.Owner != app.Agency {
			return errAPINotVisible
		}
		if api.Lifecycle != lcPublished {
			return errAPINotPublished(api.Lifecycle)
		}
		if _, err := getTier(ctx, s.db, t.tx, req.GetTier()); err != nil {
			if isNotFound(err) {
				return errUnknownTier
			}
			return err
		}
		now := t.now.UnixMilli()
		out = subRow{ID: newID("sub"), AppID: app.ID, APIID: api.ID, Tier: req.GetTier(), State: subPending,
			RequestedBy: c.Subject, Created: now, Updated: now, AppAgency: app.Agency, APIOwner: api.Owner}
		if api.proto().GetApprovalMode() == registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC {
			out.State, out.DecidedBy, out.Decided = subApproved, autoApprover, now
		}
		if _, err := t.exec(ctx, `INSERT INTO registry_subscriptions (id, application_id, api_id, tier, state, requested_by, decided_by,
			decided_ms, reason, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, out.AppID, out.APIID, out.Tier, out.State, out.RequestedBy, out.DecidedBy, out.Decided, out.Reason, out.Created, out.Updated); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return errDuplicateSub
			}
			return err
		}
		t.record("subscription", out.ID, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create subscription", err)
	}
	return &registryv1.CreateSubscriptionResponse{Subscription: out.proto()}, nil
}

// GetSubscription returns one subscription.
func (s *Service) GetSubscription(ctx context.Context, req *registryv1.GetSubscriptionRequest) (*registryv1.GetSubscriptionResponse, error) {
	c, err := authorize(ctx, "GetSubscription")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	r, err := getSub(ctx, s.db, s.db.DB, req.GetId())
	if err != nil {
		return nil, s.internalErr(ctx, "get subscription", err)
	}
	if err := c.requireOwn(c.subAgency(r)); err != nil {
		return nil, err
	}
	return &registryv1.GetSubscriptionResponse{Subscription: r.proto()}, nil
}

// ListSubscriptions lists subscriptions the caller may see.
func (s *Service) ListSubscriptions(ctx context.Context, req *registryv1.ListSubscriptionsRequest) (*registryv1.ListSubscriptionsResponse, error) {
	c, err := authorize(ctx, "ListSubscriptions")
	if err != nil {
		return nil, err
	}
	var l listQuery
	if c.access == own {
		if c.Role == publisher {
			l.where("p.owner_agency = ?", c.Agency)
		} else {
			l.where("a.agency_code = ?", c.Agency)
		}
	}
	if req.GetApplicationId() != "" {
		l.where("s.application_id = ?", req.GetApplicationId())
	}
	if req.GetApiId() != "" {
		l.where("s.api_id = ?", req.GetApiId())
	}
	if st := req.GetState(); st != registryv1.SubscriptionState_SUBSCRIPTION_STATE_UNSPECIFIED {
		for k, v := range subStateToProto {
			if v == st {
				l.where("s.state = ?", k)
			}
		}
	}
	resp := &registryv1.ListSubscriptionsResponse{}
	next, err := listPage(ctx, s.db, &l, subSelect, "s.id", req.GetPageSize(), req.GetPageToken(), func(sc scanner) (string, error) {
		r, err := scanSub(sc)
		if err != nil {
			return "", err
		}
		resp.Subscriptions = append(resp.Subscriptions, r.proto())
		return r.ID, nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "list subscriptions", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// decide moves a subscription through the state machine.
func (s *Service) decide(ctx context.Context, method, action, id, reason string) (*registryv1.Subscription, error) {
	c, err := authorize(ctx, method)
	if err != nil {
		return nil, err
	}
	if err := requireID("id", id); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	tr := subTransitions[action]
	var out subRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getSub(ctx, s.db, t.tx, id)
		if err != nil {
			return err
		}
		if err := c.requireOwn(before.APIOwner); err != nil {
			return err
		}
		if before.State != tr[0] {
			return errSubTransition(action, before.State)
		}
		out = before
		out.State, out.DecidedBy, out.Reason = tr[1], c.Subject, strings.TrimSpace(reason)
		out.Decided, out.Updated = t.now.UnixMilli(), t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_subscriptions SET state = ?, decided_by = ?, decided_ms = ?, reason = ?, updated_ms = ? WHERE id = ?`,
			out.State, out.DecidedBy, out.Decided, out.Reason, out.Updated, out.ID); err != nil {
			return err
		}
		t.record("subscription", out.ID, action, before.proto(), out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, action+" subscription", err)
	}
	return out.proto(), nil
}

// ApproveSubscription approves a pending subscription.
func (s *Service) ApproveSubscription(ctx context.Context, req *registryv1.ApproveSubscriptionRequest) (*registryv1.ApproveSubscriptionResponse, error) {
	sub, err := s.decide(ctx, "ApproveSubscription", "approve", req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &registryv1.ApproveSubscriptionResponse{Subscription: sub}, nil
}

// RejectSubscription rejects a pending subscription.
func (s *Service) RejectSubscription(ctx context.Context, req *registryv1.RejectSubscriptionRequest) (*registryv1.RejectSubscriptionResponse, error) {
	sub, err := s.decide(ctx, "RejectSubscription", "reject", req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &registryv1.RejectSubscriptionResponse{Subscription: sub}, nil
}

// SuspendSubscription suspends an approved subscription.
func (s *Service) SuspendSubscription(ctx context.Context, req *registryv1.SuspendSubscriptionRequest) (*registryv1.SuspendSubscriptionResponse, error) {
	sub, err := s.decide(ctx, "SuspendSubscription", "suspend", req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &registryv1.SuspendSubscriptionResponse{Subscription: sub}, nil
}

// ResumeSubscription resumes a suspended subscription.
func (s *Service) ResumeSubscription(ctx context.Context, req *registryv1.ResumeSubscriptionRequest) (*registryv1.ResumeSubscriptionResponse, error) {
	sub, err := s.decide(ctx, "ResumeSubscription", "resume", req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &registryv1.ResumeSubscriptionResponse{Subscription: sub}, nil
}

package metering

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// subscriptionInfo is what metering needs to know about a subscription.
type subscriptionInfo struct {
	limit     int64 // requests per month; 0 is unlimited
	appAgency string
	apiOwner  string
}

type limitsSnapshot struct {
	revision int64
	subs     map[string]subscriptionInfo
}

func buildLimits(r *registryv1.GetQuotaLimitsResponse) *limitsSnapshot {
	l := &limitsSnapshot{revision: r.GetRevision(), subs: make(map[string]subscriptionInfo, len(r.GetSubscriptions()))}
	for _, sub := range r.GetSubscriptions() {
		l.subs[sub.GetId()] = subscriptionInfo{
			limit:     max(sub.GetMonthlyQuota(), 0),
			appAgency: sub.GetApplicationAgency(),
			apiOwner:  sub.GetApiOwnerAgency(),
		}
	}
	return l
}

// limitsRetry is how soon a failed read of the limits is retried.
const limitsRetry = 5 * time.Second

// servicePrincipal identifies metering to an in-process registry.
var servicePrincipal = authn.Principal{Subject: "metering", Role: authn.RoleService}

// watchLimits keeps the limits snapshot fresh: at start, on every registry
// change event and every LimitsRefresh.
func (s *Service) watchLimits(ctx context.Context) {
	kick := make(chan struct{}, 1)
	sub, err := s.bus.Conn.Subscribe(natsx.RegistryChangeSubject+".>", func(*nats.Msg) {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	if err != nil {
		s.log.Warn("metering: cannot watch registry changes; relying on periodic refresh", "err", err)
	} else {
		defer func() { _ = sub.Unsubscribe() }()
	}
	t := time.NewTicker(s.cfg.LimitsRefresh)
	defer t.Stop()
	retry := time.NewTimer(0)
	defer retry.Stop()
	failing := &outage{log: s.log,
		failMsg: "metering: cannot read quota limits from the registry; retrying every 5s",
		okMsg:   "metering: quota limits read from the registry again"}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		case <-retry.C:
		}
		switch err := s.refreshLimits(ctx); {
		case err == nil:
			failing.ok()
		case ctx.Err() == nil:
			failing.failed(err)
			retry.Reset(limitsRetry)
		}
	}
}

func (s *Service) refreshLimits(ctx context.Context) error {
	var known int64
	if cur := s.snap.Load(); cur != nil {
		known = cur.revision
	}
	ctx, cancel := context.WithTimeout(authn.WithPrincipal(ctx, servicePrincipal), 30*time.Second)
	defer cancel()
	resp, err := s.limits.GetQuotaLimits(ctx, &registryv1.GetQuotaLimitsRequest{KnownRevision: known})
	if err != nil {
		return err
	}
	if resp.GetNotModified() {
		return nil
	}
	s.snap.Store(buildLimits(resp))
	s.limitsChanged.Store(true)
	return nil
}

// published is what the quota bucket holds for a subscription, as far as
// this process knows.
type published struct {
	period    string
	exhausted bool
	limit     int64
}

// quotaPublisher remembers what it put into the bucket. It is used by Run's
// goroutine only.
type quotaPublisher struct {
	known map[string]published
	// period is the calendar month of the last reconciliation.
	period string
	// dirty asks for a reconciliation (a put failed).
	dirty bool
}

func newQuotaPublisher() quotaPublisher {
	return quotaPublisher{known: map[string]published{}}
}

func (s *Service) quotaState(sub string, period string, used, limit int64, nowMS int64) *meteringv1.QuotaState {
	return &meteringv1.QuotaState{
		SubscriptionId: sub,
		Period:         period,
		Used:           used,
		Limit:          limit,
		Exhausted:      limit > 0 && used >= limit,
		ResetTime:      timestamppb.New(time.UnixMilli(s.cal.nextMonth(nowMS))),
	}
}

func (s *Service) putQuota(ctx context.Context, st *meteringv1.QuotaState) error {
	b, err := proto.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, st.GetSubscriptionId(), b); err != nil {
		return fmt.Errorf("metering: publish quota state: %w", err)
	}
	s.quota.known[st.GetSubscriptionId()] = published{period: st.GetPeriod(), exhausted: st.GetExhausted(), limit: st.GetLimit()}
	return nil
}

// validKVKey reports whether a subscription id can be a bucket key.
func validKVKey(k string) bool {
	if k == "" || k[0] == '.' || k[len(k)-1] == '.' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '=' || c == '/') {
			return false
		}
	}
	return true
}

// publishQuotaUses announces subscriptions that the last commit pushed to
// or over their limit in the current month.
func (s *Service) publishQuotaUses(ctx context.Context, uses []quotaUse) {
	snap := s.snap.Load()
	if snap == nil || s.kv == nil {
		return
	}
	nowMS := s.clock().UnixMilli()
	cur := s.cal.month(nowMS)
	period := s.cal.period(nowMS)
	for _, u := range uses {
		info := snap.subs[u.sub]
		if u.month != cur || info.limit <= 0 || u.used < info.limit || !validKVKey(u.sub) {
			continue
		}
		if p, ok := s.quota.known[u.sub]; ok && p.period == period && p.exhausted && p.limit == info.limit {
			continue
		}
		st := s.quotaState(u.sub, period, u.used, info.limit, nowMS)
		if err := s.putQuota(ctx, st); err != nil {
			s.quota.dirty = true
			s.log.Warn("metering: quota state not published; will retry", "subscription", u.sub, "err", err)
			continue
		}
		metricExhausted.Inc()
		s.log.Info("metering: quota exhausted", "subscription", u.sub, "period", period, "used", u.used, "limit", info.limit)
	}
}

// maintain runs between batches: quota reconciliation when the month
// turned, the limits changed or a publication failed, and pruning of old
// minute rollups.
func (s *Service) maintain(ctx context.Context) {
	now := s.clock()
	if now.Sub(s.lastMaint) < s.cfg.QuotaCheckInterval && !s.limitsChanged.Load() && !s.quota.dirty {
		return
	}
	s.lastMaint = now
	period := s.cal.period(now.UnixMilli())
	if s.snap.Load() != nil && s.kv != nil && (period != s.quota.period || s.limitsChanged.Swap(false) || s.quota.dirty) {
		if err := s.reconcileQuotas(ctx, now); err != nil {
			s.quota.dirty = true
			s.log.Warn("metering: quota reconciliation failed; will retry", "err", err)
		} else {
			s.quota.dirty = false
			s.quota.period = period
		}
	}
	if s.cfg.MinuteRetentionDays > 0 && now.Sub(s.lastPrune) >= time.Hour {
		s.lastPrune = now
		cutoff := now.Add(-time.Duration(s.cfg.MinuteRetentionDays) * 24 * time.Hour).UnixMilli()
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM metering_usage_minute WHERE bucket_ms < ?`), cutoff); err != nil {
			s.log.Warn("metering: pruning minute rollups failed", "err", err)
		}
	}
}

// reconcileQuotas makes the bucket agree with SQL and the current limits
// for the current month: it resets states of a past month, publishes
// exhaustion reached before the limits were known, and lifts it when a
// limit was raised.
func (s *Service) reconcileQuotas(ctx context.Context, now time.Time) error {
	snap := s.snap.Load()
	nowMS := now.UnixMilli()
	period := s.cal.period(nowMS)
	used := map[string]int64{}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT subscription_id, used FROM metering_quota_usage WHERE period = ?`), period)
	if err != nil {
		return fmt.Errorf("metering: read quota usage: %w", err)
	}
	for rows.Next() {
		var sub string
		var n int64
		if err := rows.Scan(&sub, &n); err != nil {
			rows.Close()
			return fmt.Errorf("metering: read quota usage: %w", err)
		}
		used[sub] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("metering: read quota usage: %w", err)
	}

	// Candidates: every key in the bucket (it may need a reset or a lift),
	// and every subscription at or over its limit (it may need publishing).
	// An absent key means "not exhausted", so nothing else needs a look.
	inBucket := map[string]bool{}
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("metering: list quota bucket: %w", err)
	}
	for k := range lister.Keys() {
		inBucket[k] = true
	}
	subs := maps.Clone(inBucket)
	for id, info := range snap.subs {
		if info.limit > 0 && used[id] >= info.limit {
			subs[id] = true
		}
	}
	var firstErr error
	for sub := range subs {
		if !validKVKey(sub) {
			continue
		}
		info := snap.subs[sub]
		want := s.quotaState(sub, period, used[sub], info.limit, nowMS)
		have, err := s.readQuota(ctx, sub, inBucket[sub])
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		switch {
		case have == nil && !want.GetExhausted():
			continue // nothing to say: absent means not exhausted
		case have != nil && have.GetPeriod() == want.GetPeriod() && have.GetExhausted() == want.GetExhausted() && have.GetLimit() == want.GetLimit():
			s.quota.known[sub] = published{period: have.GetPeriod(), exhausted: have.GetExhausted(), limit: have.GetLimit()}
			continue
		}
		if err := s.putQuota(ctx, want); err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		s.log.Info("metering: quota state updated", "subscription", sub, "period", period, "used", want.GetUsed(), "limit", want.GetLimit(), "exhausted", want.GetExhausted())
	}
	return firstErr
}

// readQuota returns the state in the bucket, or nil when there is none (or
// it cannot be decoded, which a put then repairs).
func (s *Service) readQuota(ctx context.Context, sub string, present bool) (*meteringv1.QuotaState, error) {
	if !present {
		return nil, nil
	}
	e, err := s.kv.Get(ctx, sub)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("metering: read quota state: %w", err)
	}
	st := &meteringv1.QuotaState{}
	if proto.Unmarshal(e.Value(), st) != nil {
		return nil, nil
	}
	return st, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

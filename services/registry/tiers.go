package registry

import (
	"context"
	"math"
	"regexp"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

var reTierName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

type tierRow struct {
	Name, Description string
	Rate              float64
	Burst             int32
	Quota             int64
	Created, Updated  int64
}

const tierColumns = `name, description, rate_per_second, burst, monthly_quota, created_ms, updated_ms`

func scanTier(sc scanner) (tierRow, error) {
	var (
		t     tierRow
		burst int64
	)
	err := sc.Scan(&t.Name, &t.Description, &t.Rate, &burst, &t.Quota, &t.Created, &t.Updated)
	t.Burst = int32(burst)
	return t, err
}

func (t tierRow) proto() *registryv1.Tier {
	return &registryv1.Tier{Name: t.Name, Description: t.Description, RatePerSecond: t.Rate, Burst: t.Burst,
		MonthlyQuota: t.Quota, CreateTime: tsOrNil(t.Created), UpdateTime: tsOrNil(t.Updated)}
}

func getTier(ctx context.Context, db *sqlstore.DB, q querier, name string) (tierRow, error) {
	t, err := scanTier(q.QueryRowContext(ctx, db.Rebind(`SELECT `+tierColumns+` FROM registry_tiers WHERE name = ?`), name))
	if errNoRows(err) {
		return t, errTierNotFound(name)
	}
	return t, err
}

func checkTier(t *registryv1.Tier) error {
	if !reTierName.MatchString(t.GetName()) {
		return errTierName
	}
	if err := checkText("tier.description", strings.TrimSpace(t.GetDescription()), ruleText); err != nil {
		return err
	}
	if len([]rune(t.GetDescription())) > maxShortText {
		return errTierDescription
	}
	if r := t.GetRatePerSecond(); math.IsNaN(r) || r <= 0 || r > 1e6 {
		return errTierRate
	}
	if b := t.GetBurst(); b < 1 || b > 1_000_000 {
		return errTierBurst
	}
	if t.GetMonthlyQuota() < 0 {
		return errTierQuota
	}
	return nil
}

// CreateTier adds a policy tier.
func (s *Service) CreateTier(ctx context.Context, req *registryv1.CreateTierRequest) (*registryv1.CreateTierResponse, error) {
	c, err := authorize(ctx, "CreateTier")
	if err != nil {
		return nil, err
	}
	in := req.GetTier()
	if err := checkTier(in); err != nil {
		return nil, err
	}
	var out tierRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		now := t.now.UnixMilli()
		out = tierRow{Name: in.GetName(), Description: strings.TrimSpace(in.GetDescription()), Rate: in.GetRatePerSecond(),
			Burst: in.GetBurst(), Quota: in.GetMonthlyQuota(), Created: now, Updated: now}
		if _, err := t.exec(ctx, `INSERT INTO registry_tiers (`+tierColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			out.Name, out.Description, out.Rate, out.Burst, out.Quota, out.Created, out.Updated); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return errTierExists
			}
			return err
		}
		t.record("tier", out.Name, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create tier", err)
	}
	return &registryv1.CreateTierResponse{Tier: out.proto()}, nil
}

// GetTier returns one tier.
func (s *Service) GetTier(ctx context.Context, req *registryv1.GetTierRequest) (*registryv1.GetTierResponse, error) {
	if _, err := authorize(ctx, "GetTier"); err != nil {
		return nil, err
	}
	if err := requireID("name", req.GetName()); err != nil {
		return nil, err
	}
	t, err := getTier(ctx, s.db, s.db.DB, req.GetName())
	if err != nil {
		return nil, s.internalErr(ctx, "get tier", err)
	}
	return &registryv1.GetTierResponse{Tier: t.proto()}, nil
}

// ListTiers lists tiers by name.
func (s *Service) ListTiers(ctx context.Context, req *registryv1.ListTiersRequest) (*registryv1.ListTiersResponse, error) {
	if _, err := authorize(ctx, "ListTiers"); err != nil {
		return nil, err
	}
	resp := &registryv1.ListTiersResponse{}
	next, err := listPage(ctx, s.db, &listQuery{}, `SELECT `+tierColumns+` FROM registry_tiers`, "name", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			t, err := scanTier(sc)
			if err != nil {
				return "", err
			}
			resp.Tiers = append(resp.Tiers, t.proto())
			return t.Name, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list tiers", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// UpdateTier changes a tier's limits.
func (s *Service) UpdateTier(ctx context.Context, req *registryv1.UpdateTierRequest) (*registryv1.UpdateTierResponse, error) {
	c, err := authorize(ctx, "UpdateTier")
	if err != nil {
		return nil, err
	}
	if err := requireID("tier.name", req.GetTier().GetName()); err != nil {
		return nil, err
	}
	paths, err := maskPaths(req.GetUpdateMask(), "description", "rate_per_second", "burst", "monthly_quota")
	if err != nil {
		return nil, err
	}
	in := req.GetTier()
	var out tierRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getTier(ctx, s.db, t.tx, in.GetName())
		if err != nil {
			return err
		}
		next := before.proto()
		if paths["description"] {
			next.Description = strings.TrimSpace(in.GetDescription())
		}
		if paths["rate_per_second"] {
			next.RatePerSecond = in.GetRatePerSecond()
		}
		if paths["burst"] {
			next.Burst = in.GetBurst()
		}
		if paths["monthly_quota"] {
			next.MonthlyQuota = in.GetMonthlyQuota()
		}
		if err := checkTier(next); err != nil {
			return err
		}
		out = before
		out.Description, out.Rate, out.Burst, out.Quota, out.Updated = next.Description, next.RatePerSecond, next.Burst, next.MonthlyQuota, t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_tiers SET description = ?, rate_per_second = ?, burst = ?, monthly_quota = ?, updated_ms = ? WHERE name = ?`,
			out.Description, out.Rate, out.Burst, out.Quota, out.Updated, out.Name); err != nil {
			return err
		}
		t.record("tier", out.Name, "update", before.proto(), out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "update tier", err)
	}
	return &registryv1.UpdateTierResponse{Tier: out.proto()}, nil
}

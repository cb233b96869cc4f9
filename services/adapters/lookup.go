package adapters

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"unicode"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/adapters/ngsp"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// call is one NGSP read: the path and query, and the cache it goes
// through (stale: it may be answered from an expired entry while NGSP is
// unavailable).
type call struct {
	path  string
	query url.Values
	cache *cache
	stale bool
}

// get answers c from the cache or NGSP, and says which.
func (s *Service) get(ctx context.Context, c call) (f fetched, src pb.Source, err error) {
	defer func() { countLookup(c.path, src, err) }()
	return s.fetch(ctx, c)
}

func (s *Service) fetch(ctx context.Context, c call) (fetched, pb.Source, error) {
	key := c.path + "?" + c.query.Encode()
	now := s.now()
	if f, ok := c.cache.get(key, now, false); ok {
		return f, pb.Source_SOURCE_CACHE, nil
	}
	nat := s.client()
	if nat == nil {
		return fetched{}, 0, errNotConfigured
	}
	resp, err := nat.Get(ctx, c.path, c.query)
	if err != nil {
		if c.stale && ngsp.IsTemporary(err) {
			if f, ok := c.cache.get(key, now, true); ok {
				s.log.WarnContext(ctx, "NGSP unavailable: answered from the cache", "path", c.path, "age", now.Sub(f.at).String())
				return f, pb.Source_SOURCE_STALE_CACHE, nil
			}
		}
		return fetched{}, 0, err
	}
	f := fetched{data: resp.Data, incomplete: resp.Incomplete, at: s.now(), requestID: resp.RequestID}
	if !f.incomplete && c.cache.enabled() {
		f.memo = &memo{}
		c.cache.put(key, f)
	}
	return f, pb.Source_SOURCE_NATIONAL, nil
}

// answer is the Answer message of f.
func answer(f fetched, src pb.Source) *pb.Answer {
	return &pb.Answer{Source: src, FetchedAt: timestamppb.New(f.at), Incomplete: f.incomplete, NationalRequestId: f.requestID}
}

// purpose is why a person's data is looked up.
type purpose struct {
	legalBasis, caseRef, officer string
}

// check validates the purpose: both parts present, bounded, printable.
func (p purpose) check() error {
	switch {
	case strings.TrimSpace(p.legalBasis) == "":
		return errPurposeRequired
	case strings.TrimSpace(p.caseRef) == "":
		return errCaseRefRequired
	case !text(p.legalBasis, 300):
		return errLegalBasisLong
	case !text(p.caseRef, 100):
		return errCaseRefLong
	case !text(p.officer, 64):
		return errOfficerLong
	}
	return nil
}

// text reports whether s is at most max characters without control
// characters.
func text(s string, max int) bool {
	n := 0
	for _, r := range s {
		n++
		if n > max || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// subject is the person a lookup is about.
type subject struct {
	kind, id string
}

// personal runs a lookup of a person's data: it refuses one without a
// purpose, sends the requester fields to NGSP, and writes the access log
// entry, whatever the outcome, before the answer leaves. If the entry
// cannot be written, no data is given.
func (s *Service) personal(ctx context.Context, c caller, api string, who subject, p purpose, fn func(ctx context.Context) (fetched, pb.Source, error)) (fetched, pb.Source, error) {
	p.legalBasis, p.caseRef, p.officer = strings.TrimSpace(p.legalBasis), strings.TrimSpace(p.caseRef), strings.TrimSpace(p.officer)
	reqID := requestID(ctx)
	entry := access{
		At: s.now(), Application: c.app, Agency: c.agency, Officer: p.officer, API: api,
		SubjectKind: who.kind, SubjectHash: s.keys.subjectHash(who.kind, who.id),
		LegalBasis: p.legalBasis, CaseRef: p.caseRef, RequestID: reqID,
	}
	if err := p.check(); err != nil {
		// Oversized text is not kept; the refusal itself is.
		if !text(entry.LegalBasis, 300) || !text(entry.CaseRef, 100) || !text(entry.Officer, 64) {
			entry.LegalBasis, entry.CaseRef, entry.Officer = "", "", ""
		}
		entry.Result = resultNoPurpose
		if rerr := s.alog.record(ctx, entry); rerr != nil {
			s.log.ErrorContext(ctx, "access log write failed", "api", api, "err", rerr)
		}
		return fetched{}, 0, err
	}
	agency := c.agency
	if agency == "" {
		agency = s.cfg.ProvinceAgency
	}
	officer := p.officer
	if officer == "" {
		officer = c.app
	}
	ctx = ngsp.WithRequestID(ctx, reqID)
	ctx = ngsp.WithHeaders(ctx, ngspHeaders(agency, officer, p.legalBasis+" | "+p.caseRef))
	f, src, err := fn(ctx)
	entry.Result = outcome(f, err)
	if entry.Result == resultFound && api == apiJudicial {
		entry.Result = resultSubmitted
	}
	entry.At = s.now()
	if rerr := s.alog.record(ctx, entry); rerr != nil {
		metricAccessLogFailures.Inc()
		s.log.ErrorContext(ctx, "access log write failed: the answer is withheld", "alert", "adapters_access_log_write_failed", "api", api, "err", rerr)
		return fetched{}, 0, errAuditUnavailable
	}
	return f, src, err
}

// outcome is the access log's result of a lookup.
func outcome(f fetched, err error) string {
	if err == nil {
		if f.incomplete {
			return resultIncomplete
		}
		return resultFound
	}
	var e *ngsp.Error
	if !errors.As(err, &e) {
		if errors.Is(err, errNotConfigured) {
			return resultMisconfig
		}
		return resultFailed
	}
	switch {
	case e.Kind == ngsp.NotFound:
		return resultNotFound
	case e.Kind == ngsp.Invalid && e.Code == ngsp.CodeDataIncorrect:
		return resultMismatch
	case e.Kind == ngsp.Invalid:
		return resultRejected
	case e.Kind == ngsp.Misconfigured:
		return resultMisconfig
	}
	return resultFailed
}

// noCache is the cache of calls whose answers change as they are followed
// (statuses): it keeps nothing.
var noCache = newCache(1, 0, 0)

// requester adds the requester fields to a call that is not about a
// person's data but that NGSP still wants to know the agency of.
func (s *Service) requester(ctx context.Context, c caller, officer, why string) context.Context {
	agency := c.agency
	if agency == "" {
		agency = s.cfg.ProvinceAgency
	}
	if officer == "" {
		officer = c.app
	}
	ctx = ngsp.WithRequestID(ctx, requestID(ctx))
	return ngsp.WithHeaders(ctx, ngspHeaders(agency, officer, why))
}

package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/apps/schedule/app"
)

// RedisSeatGate keeps the per-section "full" flag in Redis.
//
// Three keys per section, all with the section id as hash tag (one cluster slot, so the
// scripts below are atomic there too):
//
//	<prefix>{<section>}:full            set while the section is believed full (with a TTL)
//	<prefix>{<section>}:epoch           counts the times a seat of the section became free
//	<prefix>{<section>}:admitted:<reg>  a registration that went to PostgreSQL for a seat
//
// The race that matters: a hold finds no free seat in PostgreSQL, and before it sets the flag
// a release commits, clears the flag (nothing to clear yet) and leaves. A plain SET would then
// flag a section with a free seat. So a hold reads the epoch before its PostgreSQL query, and
// MarkFull sets the flag only if the epoch is unchanged (a compare-and-set in one script);
// Reopen bumps the epoch and deletes the flag in one MULTI. Whichever order the two reach
// Redis in, no flag survives a seat that became free after the hold looked.
//
// What the epoch cannot see gets the TTL as a safety net: a claiming transaction that had
// locked a free seat (so a concurrent hold skipped it) and then rolled back, or a process
// that died between its commit and Reopen. Such a stale flag lives at most FullTTL; the cost
// of the TTL in normal operation is one PostgreSQL query per full section per FullTTL.
//
// The admitted marker keeps HoldSeat idempotent behind the flag: a registration is marked
// before it may claim a seat, and the flag never refuses a marked registration, so a retried
// hold reaches PostgreSQL and gets its seat back instead of "full".
type RedisSeatGate struct {
	Client  redis.UniversalClient
	Prefix  string
	FullTTL time.Duration
}

var _ app.SeatGate = (*RedisSeatGate)(nil)

func (g *RedisSeatGate) key(sectionID, suffix string) string {
	return g.Prefix + "{" + sectionID + "}:" + suffix
}

// FullKey is the name of a section's flag (tests look at it).
func (g *RedisSeatGate) FullKey(sectionID string) string { return g.key(sectionID, "full") }

// Check reads the flag, the registration's marker and the epoch in one round trip.
func (g *RedisSeatGate) Check(ctx context.Context, sectionID, registrationID string) (app.GateState, error) {
	vals, err := g.Client.MGet(ctx, g.key(sectionID, "full"), g.key(sectionID, "admitted:"+registrationID),
		g.key(sectionID, "epoch")).Result()
	if err != nil {
		return app.GateState{}, fmt.Errorf("seat gate check: %w", err)
	}
	epoch, _ := vals[2].(string)
	return app.GateState{Full: vals[0] != nil && vals[1] == nil, Epoch: epoch}, nil
}

// Admit marks the registration as possibly holding a seat of the section.
func (g *RedisSeatGate) Admit(ctx context.Context, sectionID, registrationID string, ttl time.Duration) error {
	if err := g.Client.Set(ctx, g.key(sectionID, "admitted:"+registrationID), "1", ttl).Err(); err != nil {
		return fmt.Errorf("seat gate admit: %w", err)
	}
	return nil
}

// markFull sets the flag only if the epoch is still the one the caller read before asking
// PostgreSQL. A missing epoch reads as "".
var markFull = redis.NewScript(`
local cur = redis.call('GET', KEYS[2])
if not cur then cur = '' end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
return 1`)

// MarkFull flags the section full unless a seat became free since epoch was read.
func (g *RedisSeatGate) MarkFull(ctx context.Context, sectionID, epoch string) (bool, error) {
	ttl := g.FullTTL
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	n, err := markFull.Run(ctx, g.Client, []string{g.key(sectionID, "full"), g.key(sectionID, "epoch")},
		epoch, ttl.Milliseconds()).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("seat gate mark full: %w", err)
	}
	return n == 1, nil
}

// Reopen bumps the epoch and clears the flag, atomically.
func (g *RedisSeatGate) Reopen(ctx context.Context, sectionID string) error {
	_, err := g.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, g.key(sectionID, "epoch"))
		p.Del(ctx, g.key(sectionID, "full"))
		return nil
	})
	if err != nil {
		return fmt.Errorf("seat gate reopen: %w", err)
	}
	return nil
}

// RedisCheck is the Redis readiness dependency. Holds still work without Redis (they all go
// to PostgreSQL), but an instance without its gate cannot take the surge, so it reports it.
func RedisCheck(c redis.UniversalClient) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := c.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis unreachable")
		}
		return nil
	}
}

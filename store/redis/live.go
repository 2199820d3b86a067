package redis

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

// LiveFeed is notify.Feed on Redis pub/sub: the live worker of any replica
// publishes each live event once on one channel, and every replica's feed,
// subscribed to that channel with one connection, hands it to its own
// matching subscriptions. Keys and channels:
//
//	lg:live                          the channel of live events (JSON notify.LiveEvent)
//	lg:live:holder:{sha256(holder)}  a sorted set of the holder's open subscriptions,
//	                                 scored by lease expiry (ms), with the lease's TTL
//
// Subscriptions are counted per holder (a principal) across replicas: each
// open subscription holds a lease, renewed while it lives and dropped when
// it ends; a replica that dies leaves leases that expire within LeaseTTL.
type LiveFeed struct {
	c         *Client
	perHolder int
	log       *slog.Logger

	mu     sync.Mutex
	subs   map[*liveSub]struct{}
	pubsub *goredis.PubSub
	closed bool
}

// Live feed settings.
const (
	// LeaseTTL is how long a subscription's lease lasts unless renewed.
	LeaseTTL = 60 * time.Second
	// leaseRenewal is how often a live subscription renews its lease.
	leaseRenewal = LeaseTTL / 3
	// liveBuffer is how many events wait for a slow subscriber before
	// further ones are dropped.
	liveBuffer = 64
	// DefaultSubscriptionsPerHolder is the per-principal limit unless
	// configured.
	DefaultSubscriptionsPerHolder = 20
)

type liveSub struct {
	match func(notify.LiveEvent) bool
	ch    chan notify.LiveEvent
	done  chan struct{}
	once  sync.Once
}

func (s *liveSub) close() { s.once.Do(func() { close(s.done) }) }

var _ notify.Feed = (*LiveFeed)(nil)

// NewLiveFeed returns the live feed on c; each holder may keep perHolder
// subscriptions open at once (DefaultSubscriptionsPerHolder when ≤ 0).
func NewLiveFeed(c *Client, perHolder int, log *slog.Logger) *LiveFeed {
	if perHolder <= 0 {
		perHolder = DefaultSubscriptionsPerHolder
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LiveFeed{c: c, perHolder: perHolder, log: log, subs: map[*liveSub]struct{}{}}
}

func (f *LiveFeed) channel() string { return f.c.Key("live") }

func (f *LiveFeed) holderKey(holder string) string {
	return f.c.Key("live", "holder", hashTag(holder))
}

// Publish hands ev to every replica's subscriptions.
func (f *LiveFeed) Publish(ctx context.Context, ev notify.LiveEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := f.c.rdb.Publish(ctx, f.channel(), b).Err(); err != nil {
		return fmt.Errorf("publish live event: %w", err)
	}
	return nil
}

// acquireScript takes a lease for a subscription when the holder has fewer
// than limit live ones; expired leases are dropped first. Redis's clock is
// the one clock of every replica.
//
// KEYS: the holder's set. ARGV: member, limit, lease ms. Returns 1 or 0.
var acquireScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// renewScript extends a lease that is still held.
//
// KEYS: the holder's set. ARGV: member, lease ms.
var renewScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
`)

// Subscribe implements notify.Feed. The channel is subscribed to (on this
// replica) before it returns, so that an event published afterwards
// reaches the subscription.
func (f *LiveFeed) Subscribe(ctx context.Context, holder string, match func(notify.LiveEvent) bool) (<-chan notify.LiveEvent, error) {
	if err := f.listen(ctx); err != nil {
		return nil, err
	}
	key := f.holderKey(holder)
	member := rand.Text()
	ok, err := acquireScript.Run(ctx, f.c.rdb, []string{key}, member, f.perHolder, millis(LeaseTTL)).Int()
	if err != nil {
		return nil, errs.E(errs.Unavailable, "subscriptions are unavailable")
	}
	if ok == 0 {
		return nil, errs.RateLimitedf(leaseRenewal, "too many subscriptions: at most %d at once per credential", f.perHolder)
	}
	s := &liveSub{match: match, ch: make(chan notify.LiveEvent, liveBuffer), done: make(chan struct{})}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.release(key, member)
		return nil, errs.E(errs.Unavailable, "the server is shutting down")
	}
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	out := make(chan notify.LiveEvent)
	go func() {
		defer close(out)
		defer f.release(key, member)
		defer func() {
			f.mu.Lock()
			delete(f.subs, s)
			f.mu.Unlock()
		}()
		renew := time.NewTicker(leaseRenewal)
		defer renew.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case <-renew.C:
				if err := renewScript.Run(ctx, f.c.rdb, []string{key}, member, millis(LeaseTTL)).Err(); err != nil && ctx.Err() == nil &&
					!errors.Is(err, errDown) { // an outage is logged once, by the health monitor
					f.log.WarnContext(ctx, "renew subscription lease", "err", err)
				}
			case ev := <-s.ch:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				case <-s.done:
					return
				}
			}
		}
	}()
	return out, nil
}

// release drops a subscription's lease.
func (f *LiveFeed) release(key, member string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := f.c.rdb.ZRem(ctx, key, member).Err(); err != nil && !errors.Is(err, errDown) {
		f.log.Warn("release subscription lease", "err", err)
	}
}

// Active returns how many subscriptions holder has open (on every replica).
func (f *LiveFeed) Active(ctx context.Context, holder string) (int, error) {
	now := time.Now().UnixMilli()
	n, err := f.c.rdb.ZCount(ctx, f.holderKey(holder), fmt.Sprint(now), "+inf").Result()
	return int(n), err
}

// listen subscribes this replica to the live channel once, and fans its
// messages out to the subscriptions.
func (f *LiveFeed) listen(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errs.E(errs.Unavailable, "the server is shutting down")
	}
	if f.pubsub != nil {
		return nil
	}
	ps := f.c.rdb.Subscribe(context.WithoutCancel(ctx), f.channel())
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		f.log.WarnContext(ctx, "subscribe to live events", "err", err)
		return errs.E(errs.Unavailable, "subscriptions are unavailable")
	}
	f.pubsub = ps
	go f.fanOut(ps.Channel(goredis.WithChannelSize(1000)))
	return nil
}

func (f *LiveFeed) fanOut(msgs <-chan *goredis.Message) {
	for m := range msgs {
		var ev notify.LiveEvent
		if err := json.Unmarshal([]byte(m.Payload), &ev); err != nil {
			f.log.Warn("live event does not decode", "err", err)
			continue
		}
		f.mu.Lock()
		for s := range f.subs {
			if !s.match(ev) {
				continue
			}
			select {
			case s.ch <- ev:
			default:
				f.log.Warn("live event dropped: subscriber too slow", "type", ev.Type)
			}
		}
		f.mu.Unlock()
	}
}

// Close ends every subscription of this replica (their channels close)
// and the replica's pub/sub connection; later subscriptions are refused.
func (f *LiveFeed) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for s := range f.subs {
		s.close()
	}
	if f.pubsub != nil {
		return f.pubsub.Close()
	}
	return nil
}

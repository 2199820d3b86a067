package resolvers

import (
	"context"
	"errors"
	"fmt"
	"loyaltygraph/app/merchants"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

type child struct{ parent, id string }

// TestGroupLoaderOneFetchForAPage: the keys a page of parents asks for
// while the batch window is open cost one call of the batch reader, and
// each parent gets its own children, in the reader's order.
func TestGroupLoaderOneFetchForAPage(t *testing.T) {
	var calls atomic.Int32
	var asked []string
	l := groupLoader(func(_ context.Context, parents []string) ([]child, error) {
		calls.Add(1)
		asked = parents
		var out []child
		for _, p := range parents {
			if p == "p-empty" {
				continue
			}
			out = append(out, child{p, p + "/a"}, child{p, p + "/b"})
		}
		return out, nil
	}, func(c child) string { return c.parent })

	keys := []string{"p-empty"}
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("p%d", i))
	}
	// As gqlgen does for a list: every element asks before any waits.
	thunks := make([]func() ([]child, error), len(keys))
	for i, k := range keys {
		thunks[i] = l.LoadThunk(t.Context(), k)
	}
	for i, k := range keys {
		got, err := thunks[i]()
		if err != nil {
			t.Fatal(err)
		}
		want := []child{{k, k + "/a"}, {k, k + "/b"}}
		if k == "p-empty" {
			want = []child{}
		}
		if got == nil || !slices.Equal(got, want) {
			t.Fatalf("%s: got %v, want %v", k, got, want)
		}
	}
	if n := calls.Load(); n != 1 || len(asked) != len(keys) {
		t.Fatalf("%d batch reader calls for %d keys (last asked %d), want 1", n, len(keys), len(asked))
	}
	// The loader caches for its operation: asking again costs nothing.
	if _, err := l.Load(t.Context(), "p7"); err != nil || calls.Load() != 1 {
		t.Fatalf("cached load: %v, %d calls", err, calls.Load())
	}
}

// TestGroupLoaderConcurrentCallers: concurrent resolvers (gqlgen runs each
// list element in its own goroutine) share batches, far fewer than keys.
func TestGroupLoaderConcurrentCallers(t *testing.T) {
	var calls atomic.Int32
	l := groupLoader(func(_ context.Context, parents []string) ([]child, error) {
		calls.Add(1)
		out := make([]child, len(parents))
		for i, p := range parents {
			out[i] = child{p, p}
		}
		return out, nil
	}, func(c child) string { return c.parent })
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			k := fmt.Sprintf("k%d", i)
			got, err := l.Load(context.Background(), k)
			if err != nil || len(got) != 1 || got[0].id != k {
				t.Errorf("%s: %v %v", k, got, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := calls.Load(); n > 10 {
		t.Fatalf("%d batch reader calls for 100 concurrent keys", n)
	}
}

func TestGroupLoaderErrorReachesEveryKey(t *testing.T) {
	boom := errors.New("boom")
	l := groupLoader(func(context.Context, []string) ([]child, error) { return nil, boom },
		func(c child) string { return c.parent })
	a, b := l.LoadThunk(t.Context(), "a"), l.LoadThunk(t.Context(), "b")
	for _, th := range []func() ([]child, error){a, b} {
		if _, err := th(); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	}
}

func TestOneLoaderMissingIsNil(t *testing.T) {
	l := oneLoader(func(_ context.Context, ids []string) ([]*child, error) {
		return []*child{{id: "known"}}, nil
	}, func(c *child) string { return c.id })
	known, unknown := l.LoadThunk(t.Context(), "known"), l.LoadThunk(t.Context(), "unknown")
	if c, err := known(); err != nil || c == nil || c.id != "known" {
		t.Fatalf("known: %v %v", c, err)
	}
	if c, err := unknown(); err != nil || c != nil {
		t.Fatalf("unknown: %v %v", c, err)
	}
}

// TestLoadersBelongToOneOperation: an operation's context carries one set
// of loaders; another operation gets its own.
func TestLoadersBelongToOneOperation(t *testing.T) {
	r := &Resolver{MerchantOps: merchants.New(nil)}
	op1, op2 := r.WithLoaders(t.Context()), r.WithLoaders(t.Context())
	if r.loaders(op1) != r.loaders(op1) {
		t.Fatal("one operation sees two sets of loaders")
	}
	if r.loaders(op1) == r.loaders(op2) {
		t.Fatal("two operations share loaders")
	}
	if r.loaders(t.Context()) == nil {
		t.Fatal("no loaders outside an operation")
	}
}

// TestKeyLoaderReadsEachKeyOnce: an operation that reads one key at a
// time is still read once per key, however often a query reaches it.
func TestKeyLoaderReadsEachKeyOnce(t *testing.T) {
	var mu sync.Mutex
	reads := map[string]int{}
	l := keyLoader(func(_ context.Context, k string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		reads[k]++
		if k == "bad" {
			return "", errors.New("bad key")
		}
		return "v-" + k, nil
	})
	var thunks []func() (string, error)
	for range 50 {
		for _, k := range []string{"a", "b", "bad"} {
			thunks = append(thunks, l.LoadThunk(t.Context(), k))
		}
	}
	for i, th := range thunks {
		v, err := th()
		if k := []string{"a", "b", "bad"}[i%3]; (k == "bad") != (err != nil) || (err == nil && v != "v-"+k) {
			t.Fatalf("%s: %q %v", k, v, err)
		}
	}
	if len(reads) != 3 || reads["a"] != 1 || reads["b"] != 1 || reads["bad"] != 1 {
		t.Fatalf("reads %v, want each key once", reads)
	}
}

package ids

import "testing"

func TestNewIsStoreboxShaped(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if len(id) != 32 || !IsLowerAlnum(id) {
			t.Fatalf("id %q is not 32 of [0-9a-z]", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestSecretAlphabetIsUniform(t *testing.T) {
	counts := map[byte]int{}
	const n = 62 * 2000
	s := Secret(n)
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	if len(counts) != 62 {
		t.Fatalf("secret uses %d characters, want 62", len(counts))
	}
	for c, k := range counts {
		if k < 1500 || k > 2500 {
			t.Fatalf("character %q appears %d times in %d, want about 2000", c, k, n)
		}
	}
}

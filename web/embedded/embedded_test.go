package embedded

import "testing"

func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{
		"":                        false,
		"gzip":                    true,
		"deflate, gzip;q=0.5":     true,
		"gzip;q=0":                false,
		"gzip; q=0.000":           false,
		"*":                       true,
		"*;q=0":                   false,
		"gzip;q=0, *":             false,
		"identity":                false,
		"br, zstd":                false,
		"GZIP":                    true,
		"gzip, deflate, br, zstd": true,
	} {
		var vals []string
		if in != "" {
			vals = []string{in}
		}
		if got := acceptsGzip(vals); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
}

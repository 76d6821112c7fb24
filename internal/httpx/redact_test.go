package httpx

import "testing"

func TestRedactQuery(t *testing.T) {
	cases := map[string]string{
		"":                               "",
		"token=abc":                      "token=REDACTED",
		"limit=20&cursor=AbC":            "limit=20&cursor=AbC",
		"api_key=igny8_x_y&q=blog":       "api_key=REDACTED&q=blog",
		"Refresh_Token=x&X-Api-Key=y":    "Refresh_Token=REDACTED&X-Api-Key=REDACTED",
		"next=%2Fsites&password=hunter2": "next=%2Fsites&password=REDACTED",
		"%74oken=abc":                    "%74oken=REDACTED",
		"notice=welcome&sig=1":           "notice=welcome&sig=REDACTED",
		"igny8_abcdefghijkl_secret":      "REDACTED",
		"x=0123456789012345678901234567890123456789X": "x=REDACTED",
		"a=1&&b=2": "a=1&&b=2",
	}
	for in, want := range cases {
		if got := RedactQuery(in); got != want {
			t.Errorf("RedactQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

package igny8

import "testing"

// TestLowCredits: the "credits low" line is a tenth of the plan's included
// credits, exclusive; a plan with none has no line.
func TestLowCredits(t *testing.T) {
	for _, c := range []struct {
		balance, included int64
		low               bool
	}{
		{200, 2000, false}, {199, 2000, true}, {0, 2000, true}, {100, 1000, false}, {99, 1000, true},
		{0, 0, false}, {5, 0, false}, {0, 5, true}, {1, 10, false},
	} {
		if got := LowCredits(c.balance, c.included); got != c.low {
			t.Errorf("LowCredits(%d, %d) = %v, want %v", c.balance, c.included, got, c.low)
		}
	}
}

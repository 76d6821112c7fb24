package igny8_test

import (
	"testing"

	"github.com/igny8/igny8"
)

func TestFormatMoneyUsesTheCurrencysMinorUnits(t *testing.T) {
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{8900, "USD", "$89.00"},
		{890000, "usd", "$8,900.00"},
		{0, "USD", "$0.00"},
		{5, "EUR", "€0.05"},
		{-50, "GBP", "-£0.50"},
		{1500, "JPY", "1,500 JPY"},
		{1250, "BHD", "1.250 BHD"},
		{123456, "CHF", "1,234.56 CHF"},
		{-9223372036854775808, "USD", "-$92,233,720,368,547,758.08"},
	} {
		if got := igny8.FormatMoney(c.minor, c.currency); got != c.want {
			t.Errorf("FormatMoney(%d, %q) = %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
}

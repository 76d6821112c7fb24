package igny8

import (
	"strconv"
	"strings"
)

// minorDigits is the number of decimals of the currencies that do not
// have two (ISO 4217); amounts are stored in minor units.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// moneySymbols are the currencies written with a symbol before the amount.
var moneySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}

// FormatMoney writes an amount in minor units of currency for people:
// $8,900.00 for 890000 USD, 1,500 JPY, -€0.50. Currencies without a symbol
// are written after the amount with their code.
func FormatMoney(minor int64, currency string) string {
	code := strings.ToUpper(currency)
	digits, ok := minorDigits[code]
	if !ok {
		digits = 2
	}
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-(minor + 1)) + 1 // also right for the smallest int64
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	whole, frac := s[:len(s)-digits], s[len(s)-digits:]
	amount := GroupThousands(whole)
	if digits > 0 {
		amount += "." + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if sym, ok := moneySymbols[code]; ok {
		return sign + sym + amount
	}
	return sign + amount + " " + code
}

// GroupThousands puts commas between groups of three digits of a string of
// digits: 1234567 is 1,234,567.
func GroupThousands(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

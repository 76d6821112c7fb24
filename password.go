package igny8

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode/utf8"
)

// ValidatePassword is the password rule of sign-up and of accepting an
// invitation: validation_failed naming the password field when pw is
// shorter than 10 characters, longer than 256, or too common.
func ValidatePassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < 10:
		return InvalidField("password", "must be at least 10 characters")
	case utf8.RuneCountInString(pw) > 256:
		return InvalidField("password", "must be at most 256 characters")
	case commonPassword(pw):
		return InvalidField("password", "is too common; choose another")
	}
	return nil
}

// commonPasswords is a list of passwords of 10 or more characters found
// again and again in breach corpora; sign-up refuses them.
//
//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// commonPassword reports whether pw is on the list, or is one character
// repeated, or a run of consecutive keys such as 1234567890.
func commonPassword(pw string) bool {
	lower := strings.ToLower(pw)
	if commonPasswords[lower] {
		return true
	}
	if strings.Count(lower, lower[:1]) == len(lower) {
		return true
	}
	for _, run := range []string{"01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm"} {
		if strings.Contains(run, lower) {
			return true
		}
	}
	return false
}

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
	if msg := PasswordFault(pw); msg != "" {
		return Invalid("The password "+msg+".", FieldError{Field: "password", Message: msg})
	}
	return nil
}

// PasswordFault says what is wrong with a new password, "" when nothing,
// for forms that report every field at once. 256 characters at most:
// argon2id reads all of it, and no one types more.
func PasswordFault(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < 10:
		return "must be at least 10 characters"
	case utf8.RuneCountInString(pw) > 256:
		return "must be at most 256 characters"
	case commonPassword(pw):
		return "is too common; choose another"
	}
	return ""
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

// Package text holds the small operations on UTF-8 text that several
// packages need, so that each is written once.
package text

import "unicode/utf8"

// Prefix returns the longest prefix of s that is at most n bytes long and
// does not end inside a character: a bounded error message, a summary, a
// document sent to a model never carries half a character.
func Prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

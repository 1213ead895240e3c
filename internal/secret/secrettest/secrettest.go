// Package secrettest makes credential-shaped values for tests. The
// repository holds no literal that looks like a live token (which other
// scanners would flag); these are drawn from a fixed seed, so a test is
// repeatable, and have the entropy the rules ask for.
package secrettest

import "math/rand/v2"

// Alphabets the token formats draw from.
const (
	Alnum  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	Upper2 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // base32, as in AWS key ids
	Base64 = Alnum + "+/"
	Digits = "0123456789"
)

// Fake is prefix followed by n characters of alphabet, drawn from seed.
func Fake(seed uint64, prefix string, n int, alphabet string) string {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}))
	b := []byte(prefix)
	for range n {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return string(b)
}

// GitHubToken is shaped like a GitHub personal access token (gitleaks rule
// github-pat).
func GitHubToken(seed uint64) string { return Fake(seed, "ghp_", 36, Alnum) }

// SlackBotToken is shaped like a Slack bot token (rule slack-bot-token).
func SlackBotToken(seed uint64) string {
	return Fake(seed, "xoxb-", 12, Digits) + Fake(seed+1000, "-", 12, Digits) + Fake(seed+2000, "-", 24, Alnum)
}

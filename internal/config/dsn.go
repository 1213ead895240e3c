package config

import (
	"net/url"
	"regexp"
	"strings"
)

// dsnPassword finds the password of a key=value connection string:
// password=secret or password='it”s secret' (libpq's quoting).
var dsnPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.|'')*'|\S*)`)

// RedactDSN masks the password of a PostgreSQL connection string, in either
// of its forms (postgres://user:secret@host/db, or password=secret among
// key=value pairs), so that showing the configuration or an error never
// prints it.
func RedactDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(unparsable connection URL, hidden)"
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return dsnPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

// Package httpauth is the one owner of memtomem's HTTP security, shared by
// every HTTP front end (`mm serve --http`, and the dashboard next): the
// bearer token and its file, which addresses may be listened on, the Host
// and Origin checks against DNS rebinding and cross-site requests, the
// bound on request bodies, and the JSON-RPC shape of every refusal.
package httpauth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/memtomem/memtomem/internal/atomicfile"
)

// TokenFileName is the token file's name under the memtomem home.
const TokenFileName = "http-token"

// minTokenLen refuses tokens short enough to guess: a token chosen by hand
// in a --token-file must still be worth its name.
const minTokenLen = 16

// TokenPath is the default token file of a home.
func TokenPath(home string) string { return filepath.Join(home, TokenFileName) }

// LoadOrCreateToken returns the token kept in path, creating the file with
// a fresh random token when it does not exist. The file must be private
// (no permission bits for group or others): a token that others on the
// machine can read protects nothing, so such a file is refused, with the
// command that fixes it, rather than used.
func LoadOrCreateToken(path string) (token string, created bool, err error) {
	token, err = readToken(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createToken(path); err != nil {
			return "", false, err
		}
		// Read back what is there: a process that raced us to create the
		// file won, and every process must use that one token.
		token, err = readToken(path)
		return token, err == nil, err
	}
	return token, false, err
}

func readToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("read the HTTP token file: %w", err)
	}
	defer f.Close()
	// Stat the open descriptor, not the name: the check is about the file
	// whose bytes we read.
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("read the HTTP token file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("the HTTP token file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("the HTTP token file %s is readable by other users (mode %04o); "+
			"run `chmod 600 %s` (and, if others may have read it, delete the file so a new token is made)", path, perm, path)
	}
	b := make([]byte, 4097)
	n, _ := f.Read(b)
	if n > 4096 {
		return "", fmt.Errorf("the HTTP token file %s is longer than 4096 bytes: it should hold one token on one line", path)
	}
	token := strings.TrimSpace(string(b[:n]))
	if len(token) < minTokenLen || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("the HTTP token file %s must hold one token of at least %d characters and no spaces; "+
			"delete it to have a new one made", path, minTokenLen)
	}
	return token, nil
}

// createToken writes a new token to path, exclusively: the token is
// written to a private temporary file first and then linked into place,
// which fails if the name exists, so no reader ever sees half a token and
// two processes starting at once cannot end up with different tokens.
func createToken(path string) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("make an HTTP token: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the HTTP token file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // 0600
	if err != nil {
		return fmt.Errorf("create the HTTP token file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(raw) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create the HTTP token file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the HTTP token file %s: %w", path, err)
	}
	return atomicfile.SyncDir(dir)
}

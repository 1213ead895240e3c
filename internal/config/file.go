package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/atomicfile"
)

// readFile reads and strictly decodes a config file. A missing file yields no
// settings. Every error starts with "config <path>: ".
func readFile(path string) ([]setting, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("config %s: cannot read: %w", path, err)
	}
	src := "config " + path
	set, errs := decodeFile(data, src)
	if len(errs) > 0 {
		for i, e := range errs {
			errs[i] = fmt.Errorf("%s: %w", src, e)
		}
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// decodeFile decodes config.json content. It reports every unknown key and
// bad value rather than stopping at the first, so one edit can fix them all.
// A null value means "not set".
func decodeFile(data []byte, src string) ([]setting, []error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // editors on Windows add a BOM
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil // an empty file is an empty config, not a syntax error
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, []error{fmt.Errorf("line %d, column %d: invalid JSON: %s", line, col, se.Error())}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, []error{fmt.Errorf("top level must be a JSON object, got %s", te.Value)}
		}
		return nil, []error{err}
	}

	var out []setting
	var errs []error
	for _, secName := range sortedKeys(top) {
		raw := top[secName]
		sec, ok := schema().bySec[secName]
		if !ok {
			_, err := lookup(secName)
			errs = append(errs, err)
			continue
		}
		if isNull(raw) {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			errs = append(errs, fmt.Errorf("key %q: expected object, got %s", sec.name, jsonKind(raw)))
			continue
		}
		for _, name := range sortedKeys(fields) {
			f, err := lookup(sec.name + "." + name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if isNull(fields[name]) {
				continue
			}
			v, err := f.decodeJSON(fields[name])
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, setting{f: f, v: v, source: src})
		}
	}
	return out, errs
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// jsonKind names the JSON type of raw for error messages.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// position converts a json.SyntaxError offset (the byte count read when the
// error was detected, i.e. one past the offending byte) to a 1-based line
// and column, counting columns in characters.
func position(data []byte, offset int64) (line, col int) {
	i := int(offset) - 1
	if i < 0 {
		i = 0
	}
	if i > len(data) {
		i = len(data)
	}
	before := data[:i]
	line = 1 + bytes.Count(before, []byte("\n"))
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col = 1 + utf8.RuneCount(before[lineStart:])
	return line, col
}

// Set stores key=value in <home>/config.json. The value is parsed according
// to the key's type, the resulting configuration (file layer only;
// environment variables are not persisted) must validate, and the file is
// rewritten atomically keeping only values that differ from the defaults, so
// setting a key to its default removes it.
func Set(home, key, value string) error {
	f, err := lookup(key)
	if err != nil {
		return err
	}
	v, err := f.parseText(value)
	if err != nil {
		return err
	}
	return modify(home, func(c, _ *Config) { f.value(c).Set(v) })
}

// Unset removes key from <home>/config.json, restoring its default.
func Unset(home, key string) error {
	f, err := lookup(key)
	if err != nil {
		return err
	}
	return modify(home, func(c, def *Config) { f.value(c).Set(f.value(def)) })
}

// modify applies change to the file layer of home's configuration and
// writes the minimal file back. change receives the defaults for home too. Concurrent Set calls can lose one update;
// config edits are interactive, so no lock is taken.
func modify(home string, change func(c, def *Config)) error {
	if home == "" {
		return errors.New("config: empty home directory")
	}
	home, err := filepath.Abs(home)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	path := Path(home)
	set, err := readFile(path)
	if err != nil {
		return err
	}
	// raw keeps values as the user wrote them ("~/notes", relative dirs) so
	// rewriting the file does not bake in machine-specific absolute paths.
	raw := Default(home)
	for _, s := range set {
		s.f.value(&raw).Set(s.v)
	}
	def := Default(home)
	change(&raw, &def)

	resolved := raw
	if err := resolvePaths(&resolved); err != nil {
		return err
	}
	if err := resolved.Validate(); err != nil {
		return err
	}
	data, err := encodeMinimal(&raw, &resolved, &def)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// encodeMinimal renders the raw values of every key whose resolved value
// differs from the default, sections and keys in struct order.
func encodeMinimal(raw, resolved, def *Config) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep globs like "a&b" readable
	buf.WriteByte('{')
	firstSec := true
	for _, sec := range schema().sections {
		firstField := true
		for i := range sec.fields {
			f := &sec.fields[i]
			if sameValue(f.value(resolved), f.value(def)) {
				continue
			}
			if firstField {
				if !firstSec {
					buf.WriteByte(',')
				}
				firstSec = false
				fmt.Fprintf(&buf, "%q:{", sec.name)
			} else {
				buf.WriteByte(',')
			}
			firstField = false
			fmt.Fprintf(&buf, "%q:", f.name)
			if err := enc.Encode(f.value(raw).Interface()); err != nil {
				return nil, err
			}
		}
		if !firstField {
			buf.WriteByte('}')
		}
	}
	buf.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// writeAtomic replaces path with data (atomicfile: a crash never leaves a
// half-written config, and the file is 0600 because it may hold an API key).
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

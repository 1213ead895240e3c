package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// EnvHome names the variable that relocates the memtomem home. It selects
// where config.json lives, so it is not itself a setting.
const EnvHome = "MEMTOMEM_HOME"

const envPrefix = "MEMTOMEM_"

// EnvName returns the environment variable that overrides key, e.g.
// "search.default_top_k" → "MEMTOMEM_SEARCH__DEFAULT_TOP_K". The double
// underscore separates section from field because field names contain
// single underscores.
func EnvName(key string) string {
	return envPrefix + strings.ToUpper(strings.Replace(key, ".", "__", 1))
}

// setting is one value from one layer, remembered with where it came from so
// errors can point at the right file or variable.
type setting struct {
	f      *field
	v      reflect.Value
	source string // "config /path/config.json" or "env MEMTOMEM_X__Y"
}

// envSettings parses every MEMTOMEM_<SECTION>__<FIELD> variable. Other
// MEMTOMEM_ variables (such as MEMTOMEM_HOME) are not settings and are
// ignored. An empty value counts as unset, matching the common shell idiom
// `MEMTOMEM_X__Y= mm ...` for "don't override".
func envSettings(environ []string) ([]setting, error) {
	environ = slices.Clone(environ)
	slices.Sort(environ) // deterministic order and error messages
	var out []setting
	var errs []error
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, envPrefix)
		if !ok {
			continue
		}
		sec, fld, ok := strings.Cut(rest, "__")
		if !ok || val == "" {
			continue
		}
		src := "env " + name
		f, err := lookup(strings.ToLower(sec) + "." + strings.ToLower(fld))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src, err))
			continue
		}
		v, err := f.parseText(val)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src, err))
			continue
		}
		out = append(out, setting{f: f, v: v, source: src})
	}
	return out, errors.Join(errs...)
}

// Load returns the configuration for home: defaults, overridden by
// <home>/config.json (a missing file is fine), overridden by environment
// variables. Paths are made absolute and the result is validated; every
// error names the file or variable responsible and the key.
func Load(home string) (Config, error) {
	return load(home, os.Environ())
}

func load(home string, environ []string) (Config, error) {
	if home == "" {
		return Config{}, errors.New("config: empty home directory")
	}
	home, err := filepath.Abs(home)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	fileSet, err := readFile(Path(home))
	if err != nil {
		return Config{}, err
	}
	envSet, err := envSettings(environ)
	if err != nil {
		return Config{}, err
	}

	cfg := Default(home)
	source := map[string]string{}
	for _, s := range append(fileSet, envSet...) {
		s.f.value(&cfg).Set(s.v)
		source[s.f.key] = s.source
	}
	if err := resolvePaths(&cfg); err != nil {
		return Config{}, attribute(err, source)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, attribute(err, source)
	}
	return cfg, nil
}

// resolvePaths makes every mm:"path" field absolute (see resolvePath).
func resolvePaths(c *Config) error {
	var errs []error
	for _, sec := range schema().sections {
		for i := range sec.fields {
			f := &sec.fields[i]
			if !f.isPath {
				continue
			}
			v := f.value(c)
			switch v.Kind() {
			case reflect.String:
				p, err := resolvePath(c.Home, v.String())
				if err != nil {
					errs = append(errs, fieldErr(f.key, "%v", err))
					continue
				}
				v.SetString(p)
			case reflect.Slice:
				// Copy first: the slice may be shared with the caller's
				// unresolved config (Set keeps the raw values for writing).
				out := make([]string, v.Len())
				for j := range out {
					p, err := resolvePath(c.Home, v.Index(j).String())
					if err != nil {
						errs = append(errs, fieldErr(f.key, "%v", err))
					}
					out[j] = p
				}
				v.Set(reflect.ValueOf(out))
			}
		}
	}
	return errors.Join(errs...)
}

// attribute prefixes each *FieldError in err with the sources of its keys.
// A key without a recorded source has its default value; defaults are valid,
// so in practice every failing key has a source.
func attribute(err error, source map[string]string) error {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, len(list))
	for i, e := range list {
		var srcs []string
		var fe *FieldError
		if errors.As(e, &fe) {
			for _, k := range fe.Keys {
				if s, ok := source[k]; ok && !slices.Contains(srcs, s) {
					srcs = append(srcs, s)
				}
			}
		}
		if len(srcs) == 0 {
			srcs = []string{"config"}
		}
		out[i] = fmt.Errorf("%s: %w", strings.Join(srcs, ", "), e)
	}
	return errors.Join(out...)
}

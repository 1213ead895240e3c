package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The key schema is derived from the struct tags by reflection so the list of
// valid keys, the file decoder, the env decoder and Set can never disagree
// with the Config struct.

type section struct {
	name   string
	index  int // field index in Config
	fields []field
}

type field struct {
	key    string // "section.field"
	name   string // json name within the section
	sec    int    // index into schema().sections
	index  int    // field index within the section struct
	typ    reflect.Type
	isPath bool
}

type schemaT struct {
	sections []section
	byKey    map[string]*field
	bySec    map[string]*section
}

var schema = sync.OnceValue(func() *schemaT {
	s := &schemaT{byKey: map[string]*field{}, bySec: map[string]*section{}}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		sf := ct.Field(i)
		name := jsonName(sf)
		if name == "" {
			continue
		}
		if sf.Type.Kind() != reflect.Struct {
			panic("config: top-level field " + sf.Name + " is not a section struct")
		}
		sec := section{name: name, index: i}
		for j := range sf.Type.NumField() {
			ff := sf.Type.Field(j)
			fname := jsonName(ff)
			if fname == "" {
				continue
			}
			sec.fields = append(sec.fields, field{
				key:    name + "." + fname,
				name:   fname,
				sec:    len(s.sections),
				index:  j,
				typ:    ff.Type,
				isPath: ff.Tag.Get("mm") == "path",
			})
		}
		s.sections = append(s.sections, sec)
	}
	for i := range s.sections {
		sec := &s.sections[i]
		s.bySec[sec.name] = sec
		for j := range sec.fields {
			s.byKey[sec.fields[j].key] = &sec.fields[j]
		}
	}
	return s
})

func jsonName(sf reflect.StructField) string {
	if !sf.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

// Keys returns every settable "section.field" key, sorted.
func Keys() []string {
	s := schema()
	keys := make([]string, 0, len(s.byKey))
	for k := range s.byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lookup resolves key to its field, or explains which keys would be valid:
// those of the same section when the section exists, else the sections.
func lookup(key string) (*field, error) {
	s := schema()
	if f, ok := s.byKey[key]; ok {
		return f, nil
	}
	secName, _, _ := strings.Cut(key, ".")
	if sec, ok := s.bySec[secName]; ok {
		valid := make([]string, len(sec.fields))
		for i, f := range sec.fields {
			valid[i] = f.key
		}
		return nil, fmt.Errorf("unknown key %q (valid keys: %s)", key, strings.Join(valid, ", "))
	}
	names := make([]string, len(s.sections))
	for i, sec := range s.sections {
		names[i] = sec.name
	}
	return nil, fmt.Errorf("unknown key %q (valid sections: %s)", key, strings.Join(names, ", "))
}

// value returns the addressable field of c that f describes.
func (f *field) value(c *Config) reflect.Value {
	return reflect.ValueOf(c).Elem().Field(schema().sections[f.sec].index).Field(f.index)
}

// Get returns the value of key in c (e.g. Get(c, "search.default_top_k")
// returns an int).
func Get(c Config, key string) (any, error) {
	f, err := lookup(key)
	if err != nil {
		return nil, err
	}
	return f.value(&c).Interface(), nil
}

// typeName describes a field type the way users write values.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true/false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "list of strings"
		}
		if t.Elem().Kind() == reflect.Struct {
			var names []string
			for i := range t.Elem().NumField() {
				if n := jsonName(t.Elem().Field(i)); n != "" {
					names = append(names, n)
				}
			}
			return "list of {" + strings.Join(names, ", ") + "} objects"
		}
		return "list"
	}
	return t.String()
}

// decodeJSON decodes one JSON value into a new value of f's type, strictly:
// unknown object fields and trailing data are errors.
func (f *field) decodeJSON(raw []byte) (reflect.Value, error) {
	ptr := reflect.New(f.typ)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(ptr.Interface())
	if err == nil && dec.More() {
		err = errors.New("unexpected data after value")
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			got := te.Value
			if te.Field != "" {
				return reflect.Value{}, fmt.Errorf("key %q: expected %s, got %s for %q", f.key, typeName(f.typ), got, te.Field)
			}
			return reflect.Value{}, fmt.Errorf("key %q: expected %s, got %s", f.key, typeName(f.typ), got)
		}
		return reflect.Value{}, fmt.Errorf("key %q: expected %s: %v", f.key, typeName(f.typ), strings.TrimPrefix(err.Error(), "json: "))
	}
	return ptr.Elem(), nil
}

// parseText parses a value given as text (Set, environment variables).
// Lists accept either a JSON array or comma-separated items, because
// `mm config set indexing.exclude_globs '**/tmp/**,**/drafts/**'` is what
// people type; list-of-object fields need JSON.
func (f *field) parseText(s string) (reflect.Value, error) {
	v := reflect.New(f.typ).Elem()
	bad := func() (reflect.Value, error) {
		return reflect.Value{}, fmt.Errorf("key %q: expected %s, got %q", f.key, typeName(f.typ), s)
	}
	t := strings.TrimSpace(s)
	switch f.typ.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return bad()
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(t, 10, f.typ.Bits())
		if err != nil {
			return bad()
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(t, f.typ.Bits())
		if err != nil || x != x || x > 1e308 || x < -1e308 { // reject NaN and Inf
			return bad()
		}
		v.SetFloat(x)
	case reflect.Slice:
		if strings.HasPrefix(t, "[") || f.typ.Elem().Kind() != reflect.String {
			return f.decodeJSON([]byte(t))
		}
		items := []string{}
		for item := range strings.SplitSeq(t, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return f.decodeJSON([]byte(t))
	}
	return v, nil
}

// sameValue compares two field values, treating nil and empty lists alike.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

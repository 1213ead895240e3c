package project

import "strings"

// originURL returns the first url of [remote "origin"] in a git config file,
// or "" when there is none or the file is malformed (git itself refuses a
// malformed config, so guessing would only invent a remote git never uses).
//
// It follows git's config syntax as far as a url needs: section names and
// keys are case-insensitive, the subsection ("origin") is case-sensitive,
// '#' and ';' start comments outside quotes, values may be quoted, may use
// the escapes \" \\ \n \t \b, and may continue on the next line after a
// trailing backslash. The first url wins because that is the one git
// fetches from. include and insteadOf are not followed.
func originURL(data []byte) string {
	p := cfgParser{data: data}
	inOrigin := false
	for {
		p.skipBlank()
		c, ok := p.peek()
		if !ok {
			return ""
		}
		switch {
		case c == '\n':
			p.i++
		case c == '#' || c == ';':
			p.skipLine()
		case c == '[':
			sec, sub, ok := p.header()
			if !ok {
				return ""
			}
			inOrigin = sec == "remote" && sub == "origin"
		case isAlpha(c):
			key := p.key()
			p.skipBlank()
			c, ok := p.peek()
			if !ok || c == '\n' {
				continue // a bare key is a boolean true
			}
			if c != '=' {
				return ""
			}
			p.i++
			val, ok := p.value()
			if !ok {
				return ""
			}
			if inOrigin && key == "url" {
				if strings.ContainsAny(val, "\n\r\x00") {
					return "" // no remote name could contain these
				}
				return val
			}
		default:
			return ""
		}
	}
}

// cfgParser reads git config bytes; a lone "\r\n" counts as "\n" as in git.
type cfgParser struct {
	data []byte
	i    int
}

func (p *cfgParser) peek() (byte, bool) {
	if p.i >= len(p.data) {
		return 0, false
	}
	c := p.data[p.i]
	if c == '\r' && p.i+1 < len(p.data) && p.data[p.i+1] == '\n' {
		p.i++
		return '\n', true
	}
	return c, true
}

func (p *cfgParser) next() (byte, bool) {
	c, ok := p.peek()
	if ok {
		p.i++
	}
	return c, ok
}

func (p *cfgParser) skipBlank() {
	for p.i < len(p.data) && (p.data[p.i] == ' ' || p.data[p.i] == '\t') {
		p.i++
	}
}

func (p *cfgParser) skipLine() {
	for {
		c, ok := p.next()
		if !ok || c == '\n' {
			return
		}
	}
}

// header reads "[section]", "[section "sub"]" or the old "[section.sub]"
// and returns the lowercased section and the subsection.
func (p *cfgParser) header() (section, sub string, ok bool) {
	p.i++ // '['
	start := p.i
	for p.i < len(p.data) && (isAlnum(p.data[p.i]) || p.data[p.i] == '-' || p.data[p.i] == '.') {
		p.i++
	}
	section = strings.ToLower(string(p.data[start:p.i]))
	if c, ok := p.next(); ok && c == ']' {
		if s, rest, dotted := strings.Cut(section, "."); dotted {
			return s, rest, s != ""
		}
		return section, "", section != ""
	} else if !ok || (c != ' ' && c != '\t') || section == "" || strings.Contains(section, ".") {
		return "", "", false
	}
	p.skipBlank()
	if c, ok := p.next(); !ok || c != '"' {
		return "", "", false
	}
	var b strings.Builder
	for {
		c, ok := p.next()
		if !ok || c == '\n' {
			return "", "", false
		}
		if c == '"' {
			break
		}
		if c == '\\' {
			if c, ok = p.next(); !ok || c == '\n' {
				return "", "", false
			}
		}
		b.WriteByte(c)
	}
	if c, ok := p.next(); !ok || c != ']' {
		return "", "", false
	}
	return section, b.String(), true
}

// key reads a variable name (a letter, then letters, digits and '-') and
// lowercases it.
func (p *cfgParser) key() string {
	start := p.i
	for p.i < len(p.data) && (isAlnum(p.data[p.i]) || p.data[p.i] == '-') {
		p.i++
	}
	return strings.ToLower(string(p.data[start:p.i]))
}

// value reads the rest of a "key = value" line the way git does: leading
// and trailing blanks outside quotes are dropped, inner blank runs are kept,
// a comment ends the value, an unclosed quote or unknown escape is an error.
func (p *cfgParser) value() (string, bool) {
	var b strings.Builder
	quoted := false
	pending := 0 // blanks seen outside quotes, written only if more follows
	for {
		c, ok := p.next()
		if !ok || c == '\n' {
			return b.String(), !quoted
		}
		if !quoted {
			if c == ' ' || c == '\t' {
				if b.Len() > 0 {
					pending++
				}
				continue
			}
			if c == '#' || c == ';' {
				p.skipLine()
				return b.String(), true
			}
		}
		for ; pending > 0; pending-- {
			b.WriteByte(' ')
		}
		switch c {
		case '\\':
			c, ok = p.next()
			if !ok {
				return "", false
			}
			switch c {
			case '\n':
				continue // line continuation
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'n':
				c = '\n'
			case '\\', '"':
			default:
				return "", false
			}
		case '"':
			quoted = !quoted
			continue
		}
		b.WriteByte(c)
	}
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || (c >= '0' && c <= '9') }

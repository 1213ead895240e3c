// Package setup registers mm serve in MCP clients' configuration files,
// and takes it out again, changing nothing else in them: the files are
// edited as text (a member inserted into a JSON object, a table appended to
// TOML), never decoded and re-encoded, so comments, key order and every
// other server stay byte for byte.
package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ServerName is the name memtomem is registered under.
const ServerName = "memtomem"

// Client is one MCP client's configuration format.
type Client struct {
	Name  string // as mm setup takes it
	Title string
	// User and Project are the configuration file for the user (under
	// home) and for a project (under its root); Project is "" when the
	// client has no project file.
	User, Project string
	// Key is the JSON object of servers ("" for TOML clients).
	Key string
	// entry renders the server entry for the command.
	entry func(command string) string
	toml  bool
	// jsonc: the client reads NAME.jsonc too, so that file is the one to
	// edit when it is there and NAME.json is not.
	jsonc bool
}

// Clients are the clients mm setup knows, by name.
var Clients = []Client{
	{Name: "claude", Title: "Claude Code", User: ".claude.json", Project: ".mcp.json", Key: "mcpServers",
		entry: func(cmd string) string {
			return fmt.Sprintf("{\n  \"type\": \"stdio\",\n  \"command\": %s,\n  \"args\": [\"serve\"]\n}", quote(cmd))
		}},
	{Name: "codex", Title: "Codex", User: ".codex/config.toml", Project: ".codex/config.toml", toml: true,
		entry: func(cmd string) string {
			return fmt.Sprintf("[mcp_servers.%s]\ncommand = %s\nargs = [\"serve\"]\n", ServerName, quote(cmd))
		}},
	{Name: "cursor", Title: "Cursor", User: ".cursor/mcp.json", Project: ".cursor/mcp.json", Key: "mcpServers",
		entry: func(cmd string) string {
			return fmt.Sprintf("{\n  \"command\": %s,\n  \"args\": [\"serve\"]\n}", quote(cmd))
		}},
	{Name: "gemini", Title: "Gemini CLI", User: ".gemini/settings.json", Project: ".gemini/settings.json", Key: "mcpServers",
		entry: func(cmd string) string {
			return fmt.Sprintf("{\n  \"command\": %s,\n  \"args\": [\"serve\"]\n}", quote(cmd))
		}},
	{Name: "opencode", Title: "opencode", User: ".config/opencode/opencode.json", Project: "opencode.json", Key: "mcp", jsonc: true,
		entry: func(cmd string) string {
			return fmt.Sprintf("{\n  \"type\": \"local\",\n  \"command\": [%s, \"serve\"],\n  \"enabled\": true\n}", quote(cmd))
		}},
}

// Find is the client of that name.
func Find(name string) (Client, bool) {
	i := slices.IndexFunc(Clients, func(c Client) bool { return c.Name == name })
	if i < 0 {
		return Client{}, false
	}
	return Clients[i], true
}

// Names lists the clients' names.
func Names() []string {
	var out []string
	for _, c := range Clients {
		out = append(out, c.Name)
	}
	return out
}

// Path is the client's file for the user (under home) or, with project
// set, for the project at dir.
func (c Client) Path(home, dir string, project bool) string {
	path := filepath.Join(home, filepath.FromSlash(c.User))
	if project {
		path = filepath.Join(dir, filepath.FromSlash(c.Project))
	}
	if c.jsonc {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if _, err := os.Stat(path + "c"); err == nil {
				return path + "c"
			}
		}
	}
	return path
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Add returns content with memtomem registered to run command; changed is
// false when it already was (whatever command it names: a file the user
// edited is theirs).
func (c Client) Add(content []byte, command string) (out []byte, changed bool, err error) {
	if c.toml {
		return addTOML(content, c.entry(command))
	}
	if len(bytes.TrimSpace(content)) == 0 {
		return []byte(fmt.Sprintf("{\n  %q: {\n    %q: %s\n  }\n}\n", c.Key, ServerName, reindent(c.entry(command), "    "))), true, nil
	}
	top, err := topObject(content)
	if err != nil {
		return nil, false, err
	}
	servers := top.member(c.Key)
	if servers == nil {
		obj := fmt.Sprintf("{\n  %q: %s\n}", ServerName, reindent(c.entry(command), "  "))
		return insertMember(content, top, c.Key, obj), true, nil
	}
	if servers.kind != '{' {
		return nil, false, fmt.Errorf("%q in the file is not an object", c.Key)
	}
	if servers.member(ServerName) != nil {
		return content, false, nil
	}
	return insertMember(content, servers, ServerName, c.entry(command)), true, nil
}

// Registered reports whether the file's content registers mm: an entry
// named memtomem, or any server whose command is mm (a user may have
// written it by hand under another name).
func (c Client) Registered(content []byte) bool {
	if c.toml {
		return tomlTable(content) >= 0
	}
	var doc map[string]json.RawMessage
	if decodeJSONC(content, &doc) != nil {
		return false
	}
	var servers map[string]struct {
		Command any `json:"command"`
	}
	if json.Unmarshal(doc[c.Key], &servers) != nil {
		return false
	}
	for name, s := range servers {
		if name == ServerName || runsMM(s.Command) {
			return true
		}
	}
	return false
}

// runsMM reports whether a server entry's command starts mm: "mm", a path
// ending in /mm, or a list whose first word is one.
func runsMM(cmd any) bool {
	switch v := cmd.(type) {
	case string:
		first := strings.Fields(v)
		return len(first) > 0 && filepath.Base(first[0]) == "mm"
	case []any:
		if len(v) > 0 {
			return runsMM(v[0])
		}
	}
	return false
}

// Remove returns content without memtomem's entry (and without the
// servers object when the entry was all it held); changed is false when
// the file did not register it.
func (c Client) Remove(content []byte) (out []byte, changed bool, err error) {
	if c.toml {
		return removeTOML(content)
	}
	if len(bytes.TrimSpace(content)) == 0 {
		return content, false, nil
	}
	top, err := topObject(content)
	if err != nil {
		return nil, false, err
	}
	servers := top.member(c.Key)
	if servers.member(ServerName) == nil {
		return content, false, nil
	}
	// The entry alone in the servers object: the object goes too, which
	// gives back the file as it was when Add created the object (a file
	// that held an empty object loses it, the one case not restored byte
	// for byte). One holding a comment stays, with the comment.
	if servers.holdsOnly(content, 0) {
		return removeMember(content, top, c.Key), true, nil
	}
	return removeMember(content, servers, ServerName), true, nil
}

// tomlHeader is the table memtomem's entry is.
var tomlHeader = "[mcp_servers." + ServerName + "]"

func addTOML(content []byte, table string) ([]byte, bool, error) {
	if tomlTable(content) >= 0 {
		return content, false, nil
	}
	var out bytes.Buffer
	out.Write(content)
	if len(content) > 0 {
		if !bytes.HasSuffix(content, []byte("\n")) {
			out.WriteString("\n")
		}
		out.WriteString("\n")
	}
	out.WriteString(table)
	return out.Bytes(), true, nil
}

// tomlTable is the offset of memtomem's table header line, or -1.
func tomlTable(content []byte) int {
	off := 0
	for _, line := range strings.SplitAfter(string(content), "\n") {
		if strings.TrimSpace(line) == tomlHeader {
			return off
		}
		off += len(line)
	}
	return -1
}

// removeTOML cuts memtomem's table (up to the next table header or the
// end) and the blank line addTOML put before it.
func removeTOML(content []byte) ([]byte, bool, error) {
	start := tomlTable(content)
	if start < 0 {
		return content, false, nil
	}
	end := len(content)
	off := start
	for i, line := range strings.SplitAfter(string(content[start:]), "\n") {
		if i > 0 && strings.HasPrefix(strings.TrimSpace(line), "[") {
			end = off
			break
		}
		off += len(line)
	}
	before := content[:start]
	if end == len(content) && bytes.HasSuffix(before, []byte("\n\n")) {
		before = before[:len(before)-1]
	}
	out := append(append([]byte{}, before...), content[end:]...)
	return out, true, nil
}

package postgres

import "strings"

// Hosts. The markdown files are each host's own (docs/postgres.md, "Where
// the truth lives"): two hosts may well hold a file at the same path (the
// same user name, the same home layout), and one host's reconcile must never
// forget the other's files as deleted. So files and chunks are keyed by
// (host, path): a host reads and writes its own files by their local paths,
// and sees another host's chunks with a source of "//host/path", which no
// local file operation can mistake for one of its files.

// own splits a path the service passed in: "//host/path" names another
// host's file, anything else this host's.
func (db *DB) own(path string) (host, p string) {
	if rest, ok := strings.CutPrefix(path, "//"); ok {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			return rest[:i], rest[i:]
		}
	}
	return db.host, path
}

// show is the source the service sees for a chunk of host's file at path.
func (db *DB) show(host, path string) string {
	if host == db.host {
		return path
	}
	return "//" + host + path
}

// idSource is the path a chunk id is derived from: qualified by the host,
// so two hosts' files at one path never derive the same ids.
func idSource(host, path string) string {
	if host == "" {
		return path
	}
	return "//" + host + path
}

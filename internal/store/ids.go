package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// AssignIDs gives each chunk of one file (in file order) its derived id.
// Ids are derived, never random, so rebuilding the index (mm reset, a
// forced re-index, another machine indexing the same folder) gives every
// unchanged chunk the id it had, and an id written down by a person or an
// agent keeps working as long as the chunk's text does.
//
// The id is 16 lowercase hex digits (64 bits of SHA-256) over:
//   - the file's canonical path, so a copied file's chunks get their own ids;
//   - the chunk's entry id ("" outside memory entries);
//   - its ContentHash (heading path + text);
//   - how many earlier chunks of the file have the same entry id and
//     ContentHash, so identical chunks, even in two entries that share an
//     id, stay distinct.
//
// Adding, removing or editing other chunks changes none of these, so their
// ids stay; a chunk whose text changes gets a new id (the entry id written
// in the file is the handle that survives edits).
//
// It returns each chunk's n (the last input above), for DerivedID with a salt.
func AssignIDs(source string, chunks []Chunk) (nth []int) {
	seen := map[[2]string]int{}
	nth = make([]int, len(chunks))
	for i := range chunks {
		c := &chunks[i]
		key := [2]string{c.EntryID, c.ContentHash}
		nth[i] = seen[key]
		c.ID = DerivedID(source, c.EntryID, c.ContentHash, nth[i], 0)
		seen[key]++
	}
	return nth
}

// DerivedID is the id of the nth chunk (counting from 0) of source with
// this entry id and content hash. salt is 0 except after a 64-bit
// collision with another file's chunk, when the store tries 1, 2, ...
func DerivedID(source, entryID, contentHash string, nth, salt int) string {
	h := sha256.New()
	for _, s := range []string{"memtomem chunk id v1", source, entryID, contentHash, strconv.Itoa(nth)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if salt > 0 {
		h.Write([]byte("salt " + strconv.Itoa(salt)))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// IsChunkID reports whether s has the form of a chunk id (16 lowercase
// hex digits). Entry ids may look the same; callers try the chunk first.
func IsChunkID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

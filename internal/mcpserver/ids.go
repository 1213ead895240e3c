package mcpserver

import "strings"

// Tools that act on one memory (mem_read, mem_do edit, delete, expand)
// take either id: the chunk_id that search, recall and list return, or the
// entry_id written in the markdown ("> id:"), which survives edits and
// rebuilds. chunk_id also accepts an entry id, so an agent that passes the
// id it has under either name is understood.
// oneID picks the id a call gave, refusing none or two different ones.
func oneID(chunkID, entryID string) (string, error) {
	chunkID, entryID = strings.TrimSpace(chunkID), strings.TrimSpace(entryID)
	switch {
	case chunkID == "" && entryID == "":
		return "", invalid("give chunk_id (from mem_search, mem_recall or mem_list) or entry_id (the \"> id:\" line in the markdown)")
	case chunkID != "" && entryID != "" && chunkID != entryID:
		return "", invalid("give chunk_id or entry_id, not both (got %q and %q)", chunkID, entryID)
	case chunkID != "":
		return chunkID, nil
	}
	return entryID, nil
}

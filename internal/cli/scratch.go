package cli

import (
	"github.com/memtomem/memtomem/internal/config"
)

// scratchFlagHelp describes --scratch-url, which mm eval and mm bench share.
const scratchFlagHelp = "PostgreSQL database to run in (emptied before and after; never give it the team's): measures the postgres backend"

// checkScratchURL refuses what would run a throwaway store in the user's
// own: a PostgreSQL configuration without a scratch database, or a scratch
// database that is storage.url.
func checkScratchURL(cfg config.Config, scratch, command string) error {
	if scratch == "" {
		if cfg.Storage.Backend == "postgres" {
			return usagef("storage.backend is postgres: mm %s runs in a scratch database that it empties, never the team's; pass --scratch-url postgres://user@host/mm_scratch (create it with createdb mm_scratch)", command)
		}
		return nil
	}
	if scratch == cfg.Storage.URL {
		return usagef("--scratch-url is storage.url: mm %s empties the database it runs in; give it one of its own (createdb mm_scratch)", command)
	}
	return nil
}

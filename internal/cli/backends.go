package cli

// The binary's storage backends: the CLI is what cmd/mm links, so the
// backends it ships are chosen here.
import _ "github.com/memtomem/memtomem/internal/backends"

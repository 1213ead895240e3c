// Package backends links in the storage backends this binary ships. Each
// backend registers itself with the store package when linked; the service
// opens stores by name (storage.backend) through store.Open and imports none
// of them, as database/sql programs import their drivers.
package backends

import (
	_ "github.com/memtomem/memtomem/internal/store/postgres" // storage.backend = postgres
	_ "github.com/memtomem/memtomem/internal/store/sqlite"   // storage.backend = sqlite
)

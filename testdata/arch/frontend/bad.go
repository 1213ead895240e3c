// Package frontend is a front end that breaks the boundary, for
// TestBoundaryCheckCatchesAnImport.
package frontend

import (
	"fmt"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/store/sqlite"
	"github.com/memtomem/memtomem/internal/storex"
)

var _ = fmt.Sprint(memtomem.Version, sqlite.Open, storex.X)

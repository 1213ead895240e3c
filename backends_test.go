package memtomem_test

import (
	"testing"

	"github.com/memtomem/memtomem/internal/pgtest"
)

// Tests open stores through store.Open: link the backends the binary ships.
import _ "github.com/memtomem/memtomem/internal/backends"

// The PostgreSQL tests of this package share one throwaway server.
func TestMain(m *testing.M) { pgtest.Main(m) }

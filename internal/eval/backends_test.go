package eval

// Tests open stores through store.Open: link the backends the binary ships.
import _ "github.com/memtomem/memtomem/internal/backends"

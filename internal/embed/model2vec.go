package embed

import (
	"context"
	"fmt"
	"sync"

	"github.com/memtomem/memtomem/internal/provider"
)

// model2VecEmbedder computes static embeddings in-process from a model2vec
// model directory: no network, no cgo. The model is loaded on the first
// Embed call, not in New, so that starting a server stays instant.
type model2VecEmbedder struct {
	dir    string
	model  string // embedding.model as configured, the generation's model name
	cfgDim int

	// A mutex rather than sync.Once: a failed load (a model still being
	// copied into place, say) is tried again on the next call instead of
	// failing forever.
	mu      sync.Mutex
	loaded  *staticModel
	peeked  bool // peekDim has been tried
	peekDim int  // dimension read from the header, 0 if unreadable
}

// Generation reports embedding.dimension when it is set (Embed refuses a
// model of another size). Otherwise it reads the dimension from the model
// file's header (a few hundred bytes) the first time, so it is right before
// any Embed call; if the header cannot be read it reports 0 and Embed
// reports the problem.
func (m *model2VecEmbedder) Generation() Generation {
	g := Generation{Provider: "model2vec", Model: m.model, Dimension: m.cfgDim}
	if g.Dimension > 0 {
		return g
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.loaded != nil:
		g.Dimension = m.loaded.dim
	case !m.peeked:
		m.peeked = true
		m.peekDim, _ = peekDimension(m.dir)
		g.Dimension = m.peekDim
	default:
		g.Dimension = m.peekDim
	}
	return g
}

// load returns the model, loading it on first use.
func (m *model2VecEmbedder) load() (*staticModel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded != nil {
		return m.loaded, nil
	}
	sm, err := loadStaticModel(m.dir)
	if err != nil {
		return nil, m.fail(err, "cannot be loaded: %v", err)
	}
	if m.cfgDim > 0 && sm.dim != m.cfgDim {
		return nil, m.fail(nil, "produces %d-dimensional vectors but embedding.dimension is %d: set embedding.dimension to %d (or 0) or use a model that produces %d",
			sm.dim, m.cfgDim, sm.dim, m.cfgDim)
	}
	m.loaded = sm
	return sm, nil
}

func (m *model2VecEmbedder) fail(cause error, format string, args ...any) *Error {
	return &Error{Provider: "model2vec", Kind: "model", Where: m.dir, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Embed averages each text's token vectors and L2-normalises the mean.
func (m *model2VecEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := checkTexts(texts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, m.fail(err, "request abandoned: %v", err)
	}
	sm, err := m.load()
	if err != nil {
		return nil, err
	}
	// One backing array for all vectors: one allocation per call.
	flat := make([]float32, len(texts)*sm.dim)
	out := make([][]float32, len(texts))
	var ids []int32
	for i, t := range texts {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, m.fail(err, "request abandoned: %v", err)
			}
		}
		v := flat[i*sm.dim : (i+1)*sm.dim : (i+1)*sm.dim]
		var ok bool
		ids, ok = sm.embed(t, v, ids)
		if !ok {
			return nil, m.fail(nil, "found no token it knows in text #%d (%q), and its vocabulary has no unknown token to stand in", i, provider.TruncateText(t, 40))
		}
		if p := finishVector(v); p != "" {
			return nil, m.fail(nil, "produced %s for text #%d: the model's weights are damaged (%s)", p, i, m2vWeightsFile)
		}
		out[i] = v
	}
	return out, nil
}

// Package embed turns text into dense vectors for the search's second leg.
//
// One interface, one implementation per provider (openai, ollama,
// model2vec). The default provider is "none": no model, no download, no
// network, keyword search only. Embedding always runs outside every lock
// and transaction, because a provider may take seconds.
package embed

import (
	"context"
	"fmt"
)

// Generation identifies the vectors one configuration produces. Vectors of
// different generations are not comparable, so the store tags every vector
// with its generation and search never mixes them.
type Generation struct {
	Provider  string `json:"provider"`
	Model     string `json:"model"`
	Dimension int    `json:"dimension"`
}

// String is the generation's stored form: "provider/model/dimension".
func (g Generation) String() string {
	if g.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s/%s/%d", g.Provider, g.Model, g.Dimension)
}

// IsZero reports the absence of a generation (provider none).
func (g Generation) IsZero() bool { return g.Provider == "" || g.Provider == "none" }

// Embedder computes vectors.
type Embedder interface {
	// Generation says which vectors this embedder produces.
	Generation() Generation
	// Embed returns one L2-normalised vector of Generation().Dimension
	// floats per text, in order. It fails as a whole: a provider error, a
	// wrong dimension, an empty vector or a NaN is an error naming the
	// provider and what to check, never a partial result.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

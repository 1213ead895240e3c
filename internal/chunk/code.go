package chunk

import "path/filepath"

// codeExts are source languages without a dedicated chunker: their
// blank-line blocks are good enough boundaries, and naming the file in the
// hierarchy tells the reader where a result came from.
var codeExts = []string{
	".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx",
	".rs", ".java", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx",
	".rb", ".sh", ".bash", ".zsh", ".fish", ".ps1", ".php", ".swift", ".kt", ".kts",
	".scala", ".cs", ".fs", ".lua", ".sql", ".css", ".scss", ".sass", ".less",
	".html", ".htm", ".xml", ".vue", ".svelte", ".dart", ".ex", ".exs", ".erl",
	".hs", ".ml", ".clj", ".r", ".pl", ".pm", ".m", ".mm", ".groovy", ".gradle",
	".tf", ".proto", ".graphql", ".zig", ".nim", ".jl", ".vim", ".el",
}

func init() {
	for _, e := range codeExts {
		extKinds[e] = kindCode
	}
}

// splitCode chunks source in a language without a dedicated chunker.
// Blank lines are where programmers separate functions and logical steps in
// nearly every language, so blank-line blocks packed to TargetChars are a
// cheap, language-agnostic approximation of declaration boundaries.
func splitCode(d *doc, opt Options, path string) []Chunk {
	return splitText(d, opt, []string{filepath.Base(path)})
}

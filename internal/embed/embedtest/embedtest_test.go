package embedtest

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestConcepts(t *testing.T) {
	embed := Concepts(32, []string{"car", "automobile", "vehicle"}, []string{"database", "sqlite"})
	q := embed("automobile")
	related := embed("My car broke down on the highway yesterday")
	unrelated := embed("We moved the sqlite database to a new disk")
	if dot(q, related) < 0.5 || dot(q, related) < dot(q, unrelated)+0.4 {
		t.Fatalf("related %.3f, unrelated %.3f", dot(q, related), dot(q, unrelated))
	}
	if d := dot(embed("apple pie"), embed("quantum physics")); math.Abs(d) > 0.6 {
		t.Fatalf("texts without shared words or concepts have cosine %.3f", d)
	}
	for _, v := range [][]float32{q, related, embed(""), embed("!!!")} {
		if n := math.Sqrt(dot(v, v)); math.Abs(n-1) > 1e-5 {
			t.Fatalf("norm %v", n)
		}
	}
	if d := dot(embed("Car"), embed("car")); math.Abs(d-1) > 1e-6 {
		t.Fatalf("case matters: %v", d)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for dim <= groups")
		}
	}()
	Concepts(1, []string{"a"})
}

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("answer %q is not JSON: %v", data, err)
	}
	return resp.StatusCode, m
}

func TestOpenAIServer(t *testing.T) {
	srv := NewOpenAIServer(t, func(s string) []float32 { return []float32{float32(len(s)), 0, 0, 1} })
	code, m := post(t, srv.URL+"/v1/embeddings", `{"model":"m","input":["ab","abc"],"dimensions":2}`)
	if code != 200 || m["object"] != "list" || m["model"] != "m" || m["usage"] == nil {
		t.Fatalf("%d %v", code, m)
	}
	data := m["data"].([]any)
	second := data[1].(map[string]any)
	if second["index"] != float64(1) || second["embedding"].([]any)[0] != float64(1) {
		t.Fatalf("data %v", data)
	}
	for _, bad := range []string{`{"input":["a"]}`, `{"model":"m"}`, `{"model":"m","input":[]}`, `{"model":"m","input":[""]}`,
		`{"model":"m","input":["a"],"bogus":1}`, `{"model":"m","input":[1,2]}`, `{"model":"m","input":["a"],"dimensions":9}`, `not json`} {
		if code, m := post(t, srv.URL+"/v1/embeddings", bad); code != 400 || m["error"].(map[string]any)["message"] == "" {
			t.Errorf("%s: %d %v", bad, code, m)
		}
	}
	if code, _ := post(t, srv.URL+"/v1/chat", `{}`); code != 404 {
		t.Errorf("wrong path: %d", code)
	}
}

func TestOllamaServer(t *testing.T) {
	srv := NewOllamaServer(t, func(s string) []float32 { return []float32{1, 2} })
	code, m := post(t, srv.URL+"/api/embed", `{"model":"m","input":"one"}`)
	if code != 200 || m["model"] != "m" || len(m["embeddings"].([]any)) != 1 {
		t.Fatalf("%d %v", code, m)
	}
	if code, m := post(t, srv.URL+"/api/embed", `{"input":["a"]}`); code != 400 || m["error"] == "" {
		t.Fatalf("missing model: %d %v", code, m)
	}
}

func TestWriteModel2Vec(t *testing.T) {
	dir := t.TempDir()
	if err := WriteModel2Vec(dir, []string{"a", "[UNK]", "b", "a"}, 3, 1); err != nil {
		t.Fatal(err)
	}
	st, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(st)
	if n%8 != 0 || uint64(len(st)) != 8+n+6*3*4 {
		t.Fatalf("header %d bytes, file %d bytes", n, len(st))
	}
	var tj struct {
		Model struct{ Vocab map[string]int }
	}
	data, _ := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err := json.Unmarshal(data, &tj); err != nil || len(tj.Model.Vocab) != 6 || tj.Model.Vocab["[UNK]"] != 1 || tj.Model.Vocab["b"] != 5 {
		t.Fatalf("vocab %v, %v", tj.Model.Vocab, err)
	}
	if err := WriteModel2VecAs(dir, nil, 3, 1, "Q8"); err == nil {
		t.Fatal("no error for an unknown dtype")
	}
}

func TestFloat16Rounding(t *testing.T) {
	cases := map[float32]uint16{0: 0, 1: 0x3c00, -2: 0xc000, 65504: 0x7bff, 1e6: 0x7c00, 5.960464e-8: 0x0001, 1.0009766: 0x3c01, 1.00048828125: 0x3c00}
	for f, want := range cases {
		if got := Float32ToF16(f); got != want {
			t.Errorf("Float32ToF16(%v) = %#04x, want %#04x", f, got, want)
		}
	}
	if got := Float32ToBF16(1); got != 0x3f80 {
		t.Errorf("Float32ToBF16(1) = %#04x", got)
	}
}

package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Sessions: `mm web` prints a one-time login link; opening it makes a
// session whose id lives in an HttpOnly, SameSite=Strict cookie. Sessions
// live in this process's memory only: a restarted `mm web` prints a new
// link. Every session has its own CSRF token, put in a hidden field of
// every form and checked on every POST.

const (
	sessionLife = 7 * 24 * time.Hour
	maxSessions = 64 // the oldest is dropped past this: logins are rare
)

type session struct {
	csrf    string
	expires time.Time
	flash   string // a message for the next page shown (after a POST)
}

type sessions struct {
	cookie string // the cookie's name, with the port: two dashboards on one host keep apart

	mu    sync.Mutex
	byID  map[string]*session // by sha256 of the cookie value
	codes map[string]bool     // one-time login codes not yet used, by sha256
	order []string            // session keys, oldest first
}

func newSessions(port string) *sessions {
	return &sessions{cookie: "mm_web_" + port, byID: map[string]*session{}, codes: map[string]bool{}}
}

func randomHex() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux; no safe fallback
	}
	return hex.EncodeToString(b)
}

func key(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// loginCode makes a code that logs in once.
func (s *sessions) loginCode() string {
	c := randomHex()
	s.mu.Lock()
	s.codes[key(c)] = true
	s.mu.Unlock()
	return c
}

// useCode spends a login code: true the first time only.
func (s *sessions) useCode(code string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(code)
	if !s.codes[k] {
		return false
	}
	delete(s.codes, k)
	return true
}

// start makes a session and sets its cookie on w.
func (s *sessions) start(w http.ResponseWriter) {
	id := randomHex()
	s.mu.Lock()
	k := key(id)
	s.byID[k] = &session{csrf: randomHex(), expires: time.Now().Add(sessionLife)}
	s.order = append(s.order, k)
	for len(s.order) > maxSessions {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: s.cookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		MaxAge: int(sessionLife / time.Second),
	})
}

// get is the live session of r, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.byID[key(c.Value)]
	if ss == nil || time.Now().After(ss.expires) {
		return nil
	}
	return ss
}

func (s *sessions) csrf(r *http.Request) string {
	if ss := s.get(r); ss != nil {
		return ss.csrf
	}
	return ""
}

// checkCSRF compares the form's token with the session's in constant time.
func (s *sessions) checkCSRF(r *http.Request) bool {
	want := s.csrf(r)
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (s *sessions) setFlash(r *http.Request, msg string) {
	if ss := s.get(r); ss != nil {
		s.mu.Lock()
		ss.flash = msg
		s.mu.Unlock()
	}
}

func (s *sessions) takeFlash(r *http.Request) string {
	ss := s.get(r)
	if ss == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := ss.flash
	ss.flash = ""
	return f
}

// securityHeaders go on every answer, refusals included: no script or style
// from elsewhere (the pages use none inline), no framing, no sniffing, no
// referrer to other sites (the login link carries its code; "no-referrer"
// would also make browsers send "Origin: null" on the dashboard's own
// forms, which the Origin check refuses), no caching of memories.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

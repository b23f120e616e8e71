"""Sessions on a Go authentication service (auth-service): refactors, a token bug, middleware, a security review."""

from __future__ import annotations

from demo_corpus.outputs import GO
from demo_corpus.recipes import Bug, at, fix_loop, retried, ship, test_fix, verify
from demo_corpus.steps import Ask, Edit, Fetch, Find, Plan, Project, Read, Say, Search, Session, Shell, Write

AUTH = Project("auth-service", GO, "acme/auth-service")


def rename_store() -> Session:
    hits = (
        "internal/store/users.go:14:type UserStore struct {",
        "internal/store/users.go:19:func NewUserStore(db *sql.DB) *UserStore {",
        "internal/store/users.go:23:func (s *UserStore) ByEmail(ctx context.Context, email string) (Account, error) {",
        "internal/session/manager.go:11:\tusers *store.UserStore",
        "cmd/authd/main.go:38:\tusers := store.NewUserStore(db)",
        "internal/httpapi/login.go:22:\tUsers *store.UserStore",
    )
    build_error = (
        "# github.com/acme/auth-service/internal/httpapi\ninternal/httpapi/login.go:22:15: undefined: store.UserStore"
    )
    steps = [
        Plan(("Find every use of UserStore", "Rename type and constructor", "Build, test, gofmt")),
        Search("UserStore", hits),
        Edit("internal/store/users.go", "type UserStore struct {", "type AccountRepository struct {", 14),
        Edit(
            "internal/store/users.go",
            "func NewUserStore(db *sql.DB) *UserStore {",
            "func NewAccountRepository(db *sql.DB) *AccountRepository {",
            19,
        ),
        Edit("internal/store/users.go", "func (s *UserStore) ByEmail(", "func (s *AccountRepository) ByEmail(", 23),
        Edit("internal/session/manager.go", "\tusers *store.UserStore", "\taccounts *store.AccountRepository", 11),
        Edit(
            "cmd/authd/main.go", "\tusers := store.NewUserStore(db)", "\taccounts := store.NewAccountRepository(db)", 38
        ),
        Plan(("Find every use of UserStore", "Rename type and constructor", "Build, test, gofmt"), 2),
        *fix_loop(
            "go build ./...",
            build_error,
            "Missed the login handler's field.",
            [Edit("internal/httpapi/login.go", "\tUsers *store.UserStore", "\tAccounts *store.AccountRepository", 22)],
            "",
        ),
        Shell("git mv internal/store/users.go internal/store/accounts.go", ""),
        *verify(AUTH),
        Shell("gofmt -l .", ""),
        Say(
            "`UserStore` is now `AccountRepository` (file `internal/store/accounts.go`), with every caller updated; "
            "build, vet and tests pass."
        ),
        *ship(
            AUTH,
            "refactor/account-repository",
            "Rename UserStore to AccountRepository",
            [
                "internal/store/accounts.go",
                "internal/session/manager.go",
                "internal/httpapi/login.go",
                "cmd/authd/main.go",
            ],
        ),
    ]
    prompt = "Rename UserStore to AccountRepository everywhere, including the constructor and the file name."
    return Session("codex-cli", AUTH, at(10, 19, 10, 15), prompt, steps)


def refresh_rotation() -> Session:
    refresh = """func (s *Service) Refresh(ctx context.Context, presented string) (Pair, error) {
	claims, err := s.parse(presented)
	if err != nil {
		return Pair{}, err
	}
	access, err := s.issueAccess(claims.Subject)
	return Pair{Access: access, Refresh: presented}, err
}"""
    bug = Bug(
        "./internal/token/ -run TestRefreshTokenRotation",
        "token_test.go:58: expected a new refresh token, got the presented one",
        (Read("internal/token/refresh.go", refresh, 31),),
        "`Refresh` hands the presented refresh token back instead of rotating it, so a stolen refresh token "
        "stays valid forever. It should issue a new one and revoke the old token's id.",
        (
            Edit(
                "internal/token/refresh.go",
                "\taccess, err := s.issueAccess(claims.Subject)\n"
                "\treturn Pair{Access: access, Refresh: presented}, err",
                "\tif err := s.revoked.Add(ctx, claims.ID, claims.ExpiresAt.Time); err != nil {\n"
                "\t\treturn Pair{}, err\n"
                "\t}\n\treturn s.issuePair(claims.Subject)",
                36,
            ),
        ),
        passed=6,
        thinking="Rotation means a new refresh token each time and the old one revoked.",
    )
    reuse = Bug(
        "./internal/token/ -run TestRevokedRefreshTokenIsRejected",
        "token_test.go:81: refresh with a revoked token: want ErrRevoked, got <nil>",
        (
            Search(
                "revoked",
                (
                    "internal/token/refresh.go:36:\tif err := s.revoked.Add(ctx, claims.ID, claims.ExpiresAt.Time); "
                    "err != nil {",
                ),
                "internal/token",
            ),
        ),
        "Revoked ids are recorded but never checked; `parse` has to reject them.",
        (
            Edit(
                "internal/token/refresh.go",
                "\tclaims, err := s.parse(presented)\n\tif err != nil {\n\t\treturn Pair{}, err\n\t}",
                "\tclaims, err := s.parse(presented)\n"
                "\tif err != nil {\n"
                "\t\treturn Pair{}, err\n"
                "\t}\n"
                "\tif s.revoked.Has(ctx, claims.ID) {\n"
                "\t\treturn Pair{}, ErrRevoked\n"
                "\t}",
                32,
            ),
        ),
        passed=7,
    )
    steps = [
        *test_fix(AUTH, bug),
        Say("Rotation works. I'll also run the reuse test that was skipped while this was broken."),
        Edit("internal/token/token_test.go", '\tt.Skip("enable once rotation lands")\n', "", 72),
        *test_fix(AUTH, reuse),
        *verify(AUTH),
        Say(
            "Refresh now issues a new refresh token and revokes the presented one; reusing a revoked token fails "
            "with ErrRevoked. Both tests and the suite pass."
        ),
    ]
    prompt = "Security review found refresh tokens are not rotated. TestRefreshTokenRotation fails. Fix it properly."
    return Session("codex-cli", AUTH, at(11, 4, 14, 30), prompt, steps, branch="fix/refresh-rotation")


def request_id_middleware() -> Session:
    middleware = """package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"
)

func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), "request_id", id)))
	})
}
"""
    lint = (
        "internal/httpapi/requestid.go:18:66: should not use built-in type string as key for value; define your own "
        "type to avoid collisions (SA1029)"
    )
    steps = [
        Read(
            "internal/httpapi/router.go",
            "func NewRouter(h *Handlers) http.Handler {\n"
            "\tmux := http.NewServeMux()\n"
            "\th.register(mux)\n"
            "\treturn logging(mux)\n"
            "}",
            12,
        ),
        Write("internal/httpapi/requestid.go", middleware),
        Edit("internal/httpapi/router.go", "\treturn logging(mux)", "\treturn RequestID(logging(mux))", 15),
        *fix_loop(
            "staticcheck ./...",
            lint,
            "A plain string as a context key can collide with other packages; I'll use an unexported key type.",
            [
                Edit(
                    "internal/httpapi/requestid.go",
                    'context.WithValue(r.Context(), "request_id", id)',
                    "context.WithValue(r.Context(), requestIDKey{}, id)",
                    18,
                ),
                Edit(
                    "internal/httpapi/requestid.go",
                    "func RequestID(",
                    "type requestIDKey struct{}\n\nfunc RequestID(",
                    10,
                ),
            ],
            "",
        ),
        *verify(AUTH),
        Say(
            "Every response now carries `X-Request-ID` (kept from the request or generated), and it is in the "
            "request context under an unexported key for the logger."
        ),
    ]
    prompt = (
        "Add a middleware that sets X-Request-ID on every request (reuse the incoming one) and put it in the context."
    )
    return Session("codex-cli", AUTH, at(11, 9, 9, 40), prompt, steps)


def jwt_v5() -> Session:
    claims_error = """# github.com/acme/auth-service/internal/token
internal/token/claims.go:11:2: undefined: jwt.StandardClaims
internal/token/claims.go:24:20: cannot use time.Now().Add(ttl).Unix() (value of type int64) as *jwt.NumericDate value \
in struct literal"""
    steps = [
        *retried(
            "go get github.com/golang-jwt/jwt/v5@v5.2.1",
            "go: github.com/golang-jwt/jwt/v5@v5.2.1: Get "
            '"https://proxy.golang.org/github.com/golang-jwt/jwt/v5/@v/v5.2.1.info": dial tcp: lookup '
            "proxy.golang.org: i/o timeout",
            "go: downloading github.com/golang-jwt/jwt/v5 v5.2.1\ngo: added github.com/golang-jwt/jwt/v5 v5.2.1",
            "DNS timeout talking to the module proxy; retrying the same command.",
        ),
        Shell("rg -l 'golang-jwt/jwt/v4' | xargs sed -i 's#golang-jwt/jwt/v4#golang-jwt/jwt/v5#'", ""),
        *fix_loop(
            "go build ./...",
            claims_error,
            "v5 replaced `StandardClaims` with `RegisteredClaims`, whose times are `*jwt.NumericDate`.",
            [
                Edit("internal/token/claims.go", "\tjwt.StandardClaims", "\tjwt.RegisteredClaims", 11),
                Edit(
                    "internal/token/claims.go",
                    "ExpiresAt: time.Now().Add(ttl).Unix(),",
                    "ExpiresAt: jwt.NewNumericDate(time.Now().Add(ttl)),",
                    24,
                ),
            ],
            "",
        ),
        Shell("go mod tidy", "go: removing github.com/golang-jwt/jwt/v4 v4.5.0"),
        *verify(AUTH),
        Say(
            "Moved to golang-jwt v5.2.1: `RegisteredClaims` with `NumericDate` times; v4 is gone from go.mod and the "
            "suite passes."
        ),
        *ship(AUTH, "deps/golang-jwt-v5", "Upgrade golang-jwt to v5", ["go.mod", "go.sum", "internal/token/claims.go"]),
    ]
    prompt = "Upgrade golang-jwt from v4 to v5 (v4 is unmaintained)."
    return Session("codex-cli", AUTH, at(10, 31, 11, 20), prompt, steps)


def login_rate_limit() -> Session:
    limiter = """package httpapi

import (
	"net/http"
	"sync"

	"golang.org/x/time/rate"
)

// loginLimiter allows 5 attempts per minute per client IP, with a burst of 5.
type loginLimiter struct {
	mu      sync.Mutex
	clients map[string]*rate.Limiter
}
"""
    missing = (
        "internal/httpapi/ratelimit.go:7:2: no required module provides package golang.org/x/time/rate; to add it:\n"
        "\tgo get golang.org/x/time/rate"
    )
    steps = [
        Read(
            "internal/httpapi/login.go",
            "func (h *Handlers) Login(w http.ResponseWriter, r *http.Request) {\n"
            "\tvar req loginRequest\n"
            "\tif err := json.NewDecoder(r.Body).Decode(&req); err != nil {",
            30,
        ),
        Write("internal/httpapi/ratelimit.go", limiter),
        Edit(
            "internal/httpapi/router.go",
            '\tmux.HandleFunc("POST /login", h.Login)',
            '\tmux.Handle("POST /login", h.limiter.Wrap(http.HandlerFunc(h.Login)))',
            21,
        ),
        *fix_loop(
            "go test ./internal/httpapi/",
            missing,
            "The module doesn't depend on x/time yet.",
            [Shell("go get golang.org/x/time/rate", "go: added golang.org/x/time v0.7.0")],
            "ok  \tgithub.com/acme/auth-service/internal/httpapi\t0.412s",
        ),
        Say(
            "POST /login is limited to 5 attempts per minute per client IP (burst 5); extra attempts get 429 with "
            "Retry-After."
        ),
        *ship(
            AUTH,
            "feat/login-rate-limit",
            "Rate-limit POST /login per client IP",
            ["internal/httpapi/ratelimit.go", "internal/httpapi/router.go", "go.mod"],
        ),
    ]
    prompt = "Add rate limiting to the login endpoint, something like 5 attempts per minute per IP."
    return Session("gemini-cli", AUTH, at(11, 10, 11, 0), prompt, steps)


def cookie_review() -> Session:
    cookie = """http.SetCookie(w, &http.Cookie{
	Name:     "sid",
	Value:    token,
	Path:     "/",
	HttpOnly: true,
	Secure:   cfg.Env == "production",
	SameSite: http.SameSiteNoneMode,
})"""
    steps = [
        Find("internal/session/*.go", ("internal/session/cookie.go", "internal/session/manager.go")),
        Read("internal/session/cookie.go", cookie, 17),
        Fetch(
            "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
            "Recommended cookie attributes for session ids",
            "Session cookies should set Secure, HttpOnly and SameSite (Lax or Strict unless cross-site use is "
            "required). Prefer the __Host- prefix, which requires Secure, Path=/ and no Domain.",
        ),
        Say(
            "Findings on the session cookie (`internal/session/cookie.go:17`):\n1. `SameSite=None` allows the "
            "cookie on cross-site requests, which reopens CSRF; nothing in the app needs cross-site use, so use "
            "`Lax`.\n2. `Secure` depends on `cfg.Env`; a misconfigured staging env sends the session over HTTP. "
            "Make it unconditional (localhost is treated as secure by browsers).\n3. Rename to `__Host-sid` so it "
            "cannot be set by a subdomain. `HttpOnly` is already right."
        ),
        Ask("Agree with all three, apply them."),
        Edit("internal/session/cookie.go", '\tName:     "sid",', '\tName:     "__Host-sid",', 18),
        Edit(
            "internal/session/cookie.go",
            '\tSecure:   cfg.Env == "production",\n\tSameSite: http.SameSiteNoneMode,',
            "\tSecure:   true,\n\tSameSite: http.SameSiteLaxMode,",
            22,
        ),
        Edit("internal/session/manager.go", 'r.Cookie("sid")', 'r.Cookie("__Host-sid")', 44, stale=True),
        Search('Cookie\\("sid"\\)', ('internal/session/manager.go:47:\tc, err := r.Cookie("sid")',)),
        Edit("internal/session/manager.go", 'c, err := r.Cookie("sid")', 'c, err := r.Cookie("__Host-sid")', 47),
        Shell("go test ./internal/session/", "ok  \tgithub.com/acme/auth-service/internal/session\t0.233s"),
        Say(
            "Applied: the session cookie is `__Host-sid`, always Secure, SameSite=Lax; tests pass. Existing sessions "
            "will need to log in again once."
        ),
    ]
    prompt = "Review how we set the session cookie. Anything insecure?"
    return Session("gemini-cli", AUTH, at(11, 13, 15, 20), prompt, steps)


def sessions() -> list[Session]:
    return [rename_store(), refresh_rotation(), request_id_middleware(), jwt_v5(), login_rate_limit(), cookie_review()]

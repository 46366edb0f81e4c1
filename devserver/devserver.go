// Package devserver runs a Temporal server and its Web UI inside the current
// process, for development and tests. It is built the way the Temporal CLI's
// "temporal server start-dev" builds its server: SQLite persistence (in
// memory or in a file), one history shard, and all four services on
// loopback ports found through static membership. Options.Postgres puts it
// on PostgreSQL instead, with the server's own SQL plugin and schema, as a
// production cluster stores its data (postgres.go).
//
// This is the only package of amoflow that imports the Temporal server or
// its UI: they take minutes to build and add some 200 MB to a binary, so
// other packages must reach the server through the SDK only.
package devserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/searchattribute/sadefs"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// clusterName names the single local cluster. It is stored in the database
// with each namespace, so it must not change between runs on one file.
const clusterName = "active"

// Options configure a dev server. The zero value is usable: an in-memory
// server with its UI, both on free ports of 127.0.0.1.
type Options struct {
	// DBFile is the SQLite database file. A missing file is created with
	// the schema; an existing one is reused, so workflows survive restarts.
	// Empty means a private in-memory database, lost when the process ends.
	DBFile string

	// IP is the address the frontend and the UI listen on.
	// The default is 127.0.0.1. The internal services always use loopback.
	IP string

	// FrontendPort is the frontend's gRPC port; 0 picks a free port.
	FrontendPort int

	// UIPort is the Web UI's HTTP port; 0 picks a free port and -1
	// disables the UI.
	UIPort int

	// Namespace is created at start if missing. The default is "default".
	Namespace string

	// SearchAttributes are custom search attributes registered in the
	// namespace at start, such as "AmoLeadID" (Int). Registering one that
	// exists with the same type does nothing.
	SearchAttributes map[string]enums.IndexedValueType

	// Logger receives the server's log. Nil means slog.Default().
	Logger *slog.Logger

	// LogLevel is the least level of server messages logged. Nil means
	// slog.LevelWarn: the server logs a great deal at info level.
	LogLevel slog.Leveler

	// SQLitePragmas are set on every connection to the SQLite file (as the
	// Temporal CLI's --sqlite-pragma), e.g. journal_mode=wal with
	// synchronous=normal: no fsync per commit, one per checkpoint (a crash
	// of the machine, not of the process, may lose the last commits). The
	// server keeps its one connection, so nothing waits on a locked file.
	SQLitePragmas map[string]string

	// Postgres, when set, keeps the server's data in PostgreSQL instead of
	// SQLite (DBFile is then ignored).
	Postgres *Postgres

	// CodecEndpoint is the codec server the UI decrypts payloads with
	// (amoflow dev's local one); empty shows payloads as stored.
	CodecEndpoint string
	// CodecPassAccessToken makes the UI send its access token to the codec
	// endpoint; CodecIncludeCredentials sends cookies (the codec login).
	CodecPassAccessToken, CodecIncludeCredentials bool
}

// WAL is the SQLitePragmas of amoflow dev's file: write-ahead log, synced
// at checkpoints. With SQLite's default rollback journal every commit
// waits for several fsyncs, and the server, one connection, waits with it:
// BENCHMARKS.md ("Scale ceiling") measured 1.3 forms/s that way.
func WAL() map[string]string {
	return map[string]string{"journal_mode": "wal", "synchronous": "normal"}
}

// A Server is a running dev server.
type Server struct {
	server   temporal.Server
	ui       *uiserver.Server // nil without UI
	frontend string
	uiURL    string
	log      slogLogger
	stopOnce sync.Once
}

// Start starts a dev server and returns once the namespace and its search
// attributes are usable. The context bounds the start only; the server
// runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	ip := net.ParseIP(opts.IP)
	if ip == nil {
		return nil, fmt.Errorf("devserver: invalid IP %q", opts.IP)
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.LogLevel == nil {
		opts.LogLevel = slog.LevelWarn
	}
	for name, typ := range opts.SearchAttributes {
		if name == "" || sadefs.IsReserved(name) {
			return nil, fmt.Errorf("devserver: search attribute name %q is reserved", name)
		}
		if _, ok := enums.IndexedValueType_name[int32(typ)]; !ok || typ == enums.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return nil, fmt.Errorf("devserver: search attribute %q has invalid type %v", name, typ)
		}
	}
	logger := slogLogger{log: opts.Logger, level: opts.LogLevel, stopped: new(atomic.Bool)}

	// Clients dial the frontend and UI on the IP they listen on, or on
	// loopback when they listen on all interfaces.
	dialIP := opts.IP
	if ip.IsUnspecified() {
		dialIP = "127.0.0.1"
		if ip.To4() == nil {
			dialIP = "::1"
		}
	}

	// Ports are found up front, because static membership must name every
	// service's address before the server is built.
	var pp portPicker
	frontendPort, err := pp.reserve(opts.IP, opts.FrontendPort)
	uiPort := -1
	if err == nil && opts.UIPort >= 0 {
		// An explicit UI port is tried here too: the UI server exits the
		// process when it cannot listen.
		uiPort, err = pp.reserve(opts.IP, opts.UIPort)
	}
	var servicePorts [3]int // history, matching, worker
	for i := range servicePorts {
		if err == nil {
			servicePorts[i], err = pp.reserve("127.0.0.1", 0)
		}
	}
	pp.close()
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	frontendAddr := net.JoinHostPort(dialIP, strconv.Itoa(frontendPort))

	var persistence config.Persistence
	if opts.Postgres != nil {
		persistence, err = setupPostgres(ctx, opts)
	} else {
		persistence, err = setupDB(ctx, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}

	conf := serverConfig(persistence, opts.IP, frontendPort, frontendAddr, servicePorts)
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}

	// Static hosts replace ringpop membership: with every service in this
	// process there is nothing to discover, and ringpop would add a gossip
	// port per service and a wait for the ring to form.
	loopback := func(port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(frontendAddr),
		primitives.HistoryService:  loopback(servicePorts[0]),
		primitives.MatchingService: loopback(servicePorts[1]),
		primitives.WorkerService:   loopback(servicePorts[2]),
	}
	server, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		// The version check would call temporal.io; the SDKs' dev server
		// launchers turn it off too.
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			dynamicconfig.EnableServerVersionCheck.Key(): false,
			// One partition per task queue: a queue's activity rate limit
			// (amoCRM's budget) is split evenly across its partitions, so with
			// the default four an idle partition wastes its share.
			dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
			dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
			// Priority and fairness keys: webhooks and 1C jump the queue of
			// forms, and forms are shared fairly between sites (bridge).
			dynamicconfig.MatchingUseNewMatcher.Key():  true,
			dynamicconfig.MatchingEnableFairness.Key(): true,
		}),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: creating server: %w", err)
	}
	if err := server.Start(); err != nil {
		return nil, fmt.Errorf("devserver: starting server: %w", err)
	}
	s := &Server{server: server, frontend: frontendAddr, log: logger}

	if uiPort >= 0 {
		uiAddr := net.JoinHostPort(dialIP, strconv.Itoa(uiPort))
		s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
			Host:                opts.IP,
			Port:                uiPort,
			TemporalGRPCAddress: frontendAddr,
			EnableUI:            true,
			DefaultNamespace:    opts.Namespace,
			// Plain HTTP: a secure cookie would never come back.
			CORS:     uiconfig.CORS{CookieInsecure: true},
			HideLogs: true,
			// The UI in the browser fetches no news from temporal.io.
			DisableNewsFetch: true,
			Codec: uiconfig.Codec{
				Endpoint:           opts.CodecEndpoint,
				PassAccessToken:    opts.CodecPassAccessToken,
				IncludeCredentials: opts.CodecIncludeCredentials,
			},
		}))
		// Start blocks while serving, so it runs on its own; it returns
		// nil once Stop closes it.
		go func() { _ = s.ui.Start() }()
		s.uiURL = "http://" + uiAddr
		if err := waitListening(ctx, uiAddr); err != nil {
			s.Stop()
			return nil, fmt.Errorf("devserver: starting UI: %w", err)
		}
	}

	if err := s.ready(ctx, opts.Namespace); err != nil {
		s.Stop()
		return nil, fmt.Errorf("devserver: %w", err)
	}
	return s, nil
}

// FrontendHostPort returns the host:port of the frontend, for SDK clients.
func (s *Server) FrontendHostPort() string { return s.frontend }

// UIURL returns the Web UI's base URL, or "" if the UI is disabled.
func (s *Server) UIURL() string { return s.uiURL }

// Stop stops the UI and the server and releases their ports. It takes
// about a second: the frontend drains its connections for up to a second.
// Stopping a stopped server does nothing.
//
// The server's SQLite plugin keeps its connections for the life of the
// process: Stop does not free an in-memory database nor close a file.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.log.stopped.Store(true)
		if s.ui != nil {
			s.ui.Stop()
		}
		if err := s.server.Stop(); err != nil {
			s.log.log.Warn("devserver: stopping server", "error", err)
		}
	})
}

// setupDB returns the SQLite persistence for opts, creating the schema in
// a new database file, and the namespace and search attributes if missing.
func setupDB(ctx context.Context, opts Options) (config.Persistence, error) {
	conf, err := setupSQLite(opts)
	if err != nil {
		return config.Persistence{}, err
	}
	if err := createNamespace(ctx, conf, opts); err != nil {
		return config.Persistence{}, err
	}
	const store = "sqlite"
	return config.Persistence{
		DefaultStore:    store,
		VisibilityStore: store,
		// One shard is plenty for development, and the shard count of a
		// database can never change.
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{store: {SQL: conf}},
	}, nil
}

// setupSQLite returns the SQLite store of opts, with its schema.
func setupSQLite(opts Options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if opts.DBFile == "" {
		// The plugin creates the schema in a new in-memory database. Shared
		// cache lets all the server's connections see one database; the
		// random name keeps servers in one process apart.
		var b [8]byte
		rand.Read(b[:])
		conf.DatabaseName = "devserver-" + hex.EncodeToString(b[:])
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		conf.DatabaseName = opts.DBFile
		conf.ConnectAttributes = map[string]string{"mode": "rwc"}
		for k, v := range opts.SQLitePragmas {
			conf.ConnectAttributes[k] = v
		}
		_, err := os.Stat(opts.DBFile)
		if errors.Is(err, fs.ErrNotExist) {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				// A half-made schema would pass for a whole one next time.
				_ = os.Remove(opts.DBFile)
				return nil, fmt.Errorf("creating schema in %s: %w", opts.DBFile, err)
			}
		} else if err != nil {
			return nil, err
		}
	}
	return conf, nil
}

// createNamespace writes the namespace and its search attributes into the
// store conf unless they are there.
func createNamespace(ctx context.Context, conf *config.SQL, opts Options) error {
	// Writing the namespace before the server starts makes it usable at
	// once; created through the API, it would wait for the namespace cache.
	// CreateNamespaces leaves an existing namespace as it is.
	// (The SQLite schema package's helpers go through the generic SQL
	// layer, so they serve the PostgreSQL plugin as well.)
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, nil)
	if err != nil {
		return err
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return err
	}
	if err := addSearchAttributes(ctx, conf, opts.Namespace, opts.SearchAttributes); err != nil {
		return fmt.Errorf("namespace %s: %w", opts.Namespace, err)
	}
	return nil
}

// serverConfig returns the server configuration, as the CLI's start-dev
// builds it.
func serverConfig(persistence config.Persistence, ip string, frontendPort int, frontendAddr string, servicePorts [3]int) *config.Config {
	conf := &config.Config{}
	conf.Persistence = persistence
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	service := func(ip string, port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: ip}}
	}
	conf.Services = map[string]config.Service{
		"frontend": service(ip, frontendPort),
		"history":  service("127.0.0.1", servicePorts[0]),
		"matching": service("127.0.0.1", servicePorts[1]),
		"worker":   service("127.0.0.1", servicePorts[2]),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service reaches the frontend through the public client.
	conf.PublicClient.HostPort = frontendAddr
	return conf
}

// ready waits until the frontend serves the namespace.
func (s *Server) ready(ctx context.Context, namespace string) error {
	conn, err := grpc.NewClient(s.frontend, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	wf := workflowservice.NewWorkflowServiceClient(conn)
	return poll(ctx, func(ctx context.Context) error {
		_, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		return err
	})
}

// poll calls f until it succeeds, for at most ten seconds or until ctx ends.
func poll(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitListening waits until addr accepts TCP connections.
func waitListening(ctx context.Context, addr string) error {
	var d net.Dialer
	return poll(ctx, func(ctx context.Context) error {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = c.Close()
		}
		return err
	})
}

// portPicker reserves TCP ports. It keeps each one listening until close,
// so that it never hands out a port twice.
type portPicker struct {
	ls []net.Listener
}

// reserve reserves port on ip, or a free port if port is 0.
func (p *portPicker) reserve(ip string, port int) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return 0, err
	}
	p.ls = append(p.ls, l)
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (p *portPicker) close() {
	for _, l := range p.ls {
		l.Close()
	}
	p.ls = nil
}

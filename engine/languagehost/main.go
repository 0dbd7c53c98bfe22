// Command pulumi-language-nodejs is a minimal Node.js language host for the Pulumi engine.
//
// Pulumi's own language host for Node.js cannot be fetched as a Go module here, so this is a small
// replacement written for this repository's end-to-end tests. It implements the subset of the
// pulumirpc.LanguageRuntime service that `pulumi preview/up/refresh/destroy` need:
//
//   - Run launches `node <@pulumi/pulumi/cmd/run> <flags> <entry point>` in the program's directory,
//     with the stack's configuration in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS. The Node.js side
//     (the runner shipped in the @pulumi/pulumi npm package) connects to the engine's resource monitor
//     by itself and registers ts-node for TypeScript programs.
//   - Handshake, GetPluginInfo, GetRequiredPlugins/GetRequiredPackages (none: plugins are never
//     acquired automatically in our runs), InstallDependencies (a no-op: node_modules is prepared by
//     the caller), About, GetProgramDependencies, RuntimeOptionsPrompts and Cancel.
//
// Everything else (program and SDK generation, RunPlugin for plugins written as Node.js packages,
// Pack, Link, ...) answers Unimplemented. Differences from Pulumi's host: no resource-monitor proxy and
// no synchronous-invoke pipes (`--sync`), which only the deprecated synchronous invokes use; no
// debugger attachment; no package-manager integration.
//
// Launch protocol (what the engine expects from any plugin): flags, then the engine's gRPC address as
// the last positional argument; the plugin prints the port of its own gRPC server on the first line
// of stdout and serves until the engine closes it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Exit code with which @pulumi/pulumi's runner says "the error was already reported to the user":
// the engine should then fail without printing a second, generic message (RunResponse.Bail).
const exitCodeErrorAlreadyReported = 32

// Module (resolved from the program's directory) that bootstraps a Node.js Pulumi program.
const defaultRunModule = "@pulumi/pulumi/cmd/run"

func main() {
	opts := parseArgs(os.Args[1:])
	if opts.showVersion {
		fmt.Println(version.Version)
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// Stop serving if the engine disappears without closing us (e.g. it was killed), so that no
	// orphaned language host stays behind.
	if opts.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, opts.engineAddress, time.Minute, stop); err != nil {
			fatalf("could not start the engine health check: %v", err)
		}
	}
	cancel := make(chan bool)
	go func() { <-ctx.Done(); close(cancel) }()

	host := newHost(opts.engineAddress, opts.tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcLogOptions(),
	})
	if err != nil {
		fatalf("could not start the language host's gRPC server: %v", err)
	}
	// The engine reads this first line of stdout to learn where to connect.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fatalf("the language host's gRPC server stopped: %v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", args...)
	os.Exit(1)
}

type cliOptions struct {
	engineAddress string
	tracing       string
	showVersion   bool
}

// parseArgs reads the command line tolerantly. The engine passes logging flags (`--logtostderr`,
// `-v=9`), `--tracing <url>` and, in older or other engines, flags such as `-root <dir>`; unknown
// flags are ignored instead of failing the launch (Go's flag package would exit). The last
// positional argument is the engine's address.
func parseArgs(args []string) cliOptions {
	// Flags whose value may come as the next argument (`--tracing url` as well as `--tracing=url`).
	takesValue := map[string]bool{"tracing": true, "root": true, "runtime": true, "v": true}
	var opts cliOptions
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			positional = append(positional, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !hasValue && takesValue[name] && i+1 < len(args) {
			i++
			value = args[i]
		}
		switch name {
		case "tracing":
			opts.tracing = value
		case "version":
			opts.showVersion = true
		}
	}
	if len(positional) > 0 {
		opts.engineAddress = positional[len(positional)-1]
	}
	return opts
}

// rpcLogOptions returns interceptors that append the name of every RPC the engine calls to the file
// named by PIPECAT_LANGHOST_RPC_LOG, for finding out which part of the protocol an engine uses.
func rpcLogOptions() []grpc.ServerOption {
	path := os.Getenv("PIPECAT_LANGHOST_RPC_LOG")
	if path == "" {
		return nil
	}
	var mu sync.Mutex
	record := func(method string) {
		mu.Lock()
		defer mu.Unlock()
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, method)
			_ = f.Close()
		}
	}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo,
			handler grpc.UnaryHandler,
		) (any, error) {
			record(info.FullMethod)
			return handler(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo,
			handler grpc.StreamHandler,
		) error {
			record(info.FullMethod)
			return handler(srv, ss)
		}),
	}
}

// host implements pulumirpc.LanguageRuntimeServer. Methods it does not define answer Unimplemented.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string // from the command line, or from Handshake when the engine attaches to us
	tracing       string

	// Cancelled by the Cancel RPC: interrupts the running Node.js processes.
	cancelCtx  context.Context
	cancelFunc context.CancelFunc
}

func newHost(engineAddress, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancelFunc: cancel}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins and GetRequiredPackages report no dependencies: Pulumi's host scans
// node_modules for packages that declare a resource plugin, so that the engine can download missing
// plugins before the run. Our runs never download plugins, and the only plugin our programs use (the
// dynamic provider, pulumi-resource-pulumi-nodejs) is found on PATH when the engine first needs it.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies succeeds without doing anything: whoever prepares a program (here the test
// harness) provides its node_modules. It is only called by `pulumi install`/`pulumi new` and similar.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return stream.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("pulumi-language-nodejs: dependencies are not installed by this language host\n"),
	})
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// GetProgramDependencies lists the program's direct dependencies from its package.json, with the
// versions installed in its node_modules (used by `pulumi about`).
func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	var manifest struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &manifest); err != nil {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil // no package.json: no dependencies
	}
	var deps []*pulumirpc.DependencyInfo
	for _, group := range []map[string]string{manifest.Dependencies, manifest.DevDependencies} {
		for name, wanted := range group {
			var installed struct {
				Version string `json:"version"`
			}
			v := wanted
			if readJSON(filepath.Join(dir, "node_modules", name, "package.json"), &installed) == nil {
				v = installed.Version
			}
			deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: v})
		}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func readJSON(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

// Cancel interrupts running programs for good. The 3.248 engine calls it when it closes the plugin,
// at the end of every command, after the last Run.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelFunc()
	return &emptypb.Empty{}, nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that affect how a program is launched.
type runtimeOptions struct {
	typescript bool     // register ts-node (default true, as with Pulumi's host)
	tsconfig   string   // tsconfig path for ts-node, relative to the program directory
	nodeArgs   []string // extra arguments for node itself
}

func parseRuntimeOptions(options map[string]any) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true}
	if v, ok := options["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, errors.New("runtime option 'typescript' must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("runtime option 'tsconfig' must be a string")
		}
		opts.tsconfig = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("runtime option 'nodeargs' must be a string")
		}
		args, err := shlex.Split(s)
		if err != nil {
			return opts, fmt.Errorf("runtime option 'nodeargs': %w", err)
		}
		opts.nodeArgs = args
	}
	return opts, nil
}

// Run executes the program once and reports how it ended. A failed program is not an RPC error: its
// message goes in RunResponse.Error (or Bail is set when the program already reported it).
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	failed := func(format string, args ...any) (*pulumirpc.RunResponse, error) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(format, args...)}, nil
	}

	// Engines since ~3.100 describe the program in `info`; older ones used pwd/program.
	info := req.GetInfo()
	programDir, entryPoint := info.GetProgramDirectory(), info.GetEntryPoint()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	if entryPoint == "" {
		entryPoint = req.GetProgram() //nolint:staticcheck // fallback for old engines
	}
	if entryPoint == "" {
		entryPoint = "." // the runner then uses package.json's main/exports, or index.js
	}
	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return failed("%v", err)
	}

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return failed("could not find node on the PATH: %v", err)
	}
	runner, err := locateRunner(ctx, nodeBin, programDir)
	if err != nil {
		return failed("%v", err)
	}

	h.mu.Lock()
	engineAddress := h.engineAddress
	h.mu.Unlock()

	// The runner's command line: see usage() in @pulumi/pulumi/cmd/run/index.js. It parses flags with
	// minimist and stops at the first positional argument (the entry point); the rest goes to the program.
	args := append([]string{}, opts.nodeArgs...)
	args = append(args, runner)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", info.GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", h.tracing)
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	// Configuration travels in the environment, as JSON: {"project:key": "value"} and ["project:key"]
	// for the keys whose values are secrets. (Pulumi's host rewrites keys to the legacy
	// "project:config:key" form; the runtime accepts both, so we pass them as the engine gives them.)
	config, err := json.Marshal(nonNilMap(req.GetConfig()))
	if err != nil {
		return failed("serializing the configuration: %v", err)
	}
	secretKeys, err := json.Marshal(nonNilSlice(req.GetConfigSecretKeys()))
	if err != nil {
		return failed("serializing the secret configuration keys: %v", err)
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	// The process is interrupted if the engine cancels the RPC or calls Cancel; it gets some time to
	// exit on SIGINT before it is killed.
	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stopOnDone := context.AfterFunc(ctx, cmdCancel)
	defer stopOnDone()
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = programDir
	cmd.Env = env
	// The program's output goes to our own stdout/stderr, which the engine reads and shows. Wrapping
	// the files hides their *os.File type, so exec copies through pipes instead of handing node our
	// descriptors: node may switch its stdio to non-blocking mode, which would then affect us too.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitCodeErrorAlreadyReported:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return failed("Program exited with non-zero exit code: %d", exitErr.ExitCode())
	case errors.As(err, &exitErr):
		return failed("Program exited unexpectedly: %v", exitErr)
	default:
		return failed("Problem executing program (could not run node): %v", err)
	}
}

// locateRunner finds @pulumi/pulumi's runner as the program itself would resolve it, so that the
// runner and the program share one copy of the SDK (PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it, as
// with Pulumi's host).
func locateRunner(ctx context.Context, nodeBin, programDir string) (string, error) {
	module := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if module == "" {
		module = defaultRunModule
	}
	script := fmt.Sprintf("console.log(require.resolve(%q))", module)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = programDir
	out, err := cmd.Output()
	if err != nil {
		detail := err.Error()
		if exitErr, ok := err.(*exec.ExitError); ok && len(exitErr.Stderr) > 0 {
			detail = strings.TrimSpace(string(exitErr.Stderr))
		}
		return "", fmt.Errorf("could not resolve %s from %s (is @pulumi/pulumi installed there?): %s",
			module, programDir, detail)
	}
	return strings.TrimSpace(string(out)), nil
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

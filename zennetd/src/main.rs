//! `zennetd`: the Zennet full node.

use std::process::ExitCode;

use zennetd::{config, node};

/// sled allocates and frees 512 KiB log buffers several times per block;
/// glibc's allocator serves them from its main heap once its mmap threshold
/// has adapted, and that heap fragments and grows by megabytes per block.
/// mimalloc reuses and returns such buffers. It is built without
/// transparent huge pages (`no_thp`): with them each thread's first small
/// allocations pinned whole 2 MiB pages, 47 MiB for an idle node's threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = match config::Config::from_args(std::env::args_os().collect()) {
        Ok(config) => config,
        Err(Ok(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(Err(message)) => {
            eprintln!("Error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if config.daemon {
        return daemonize(&config);
    }
    if !config.sysperms {
        // As Core: everything the node creates (datadir, wallets, backups,
        // peers.dat, mempool.dat) is owner-only.
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
    if let Err(e) = std::fs::create_dir_all(&config.datadir) {
        eprintln!("Error: cannot create {}: {e}", config.datadir.display());
        return ExitCode::FAILURE;
    }
    zennetd::logging::init(config.debug_log.as_deref(), config.log);
    if let Some(time) = config.mocktime {
        zennetd::clock::set_mock_time(time);
    }
    if !config.debug.is_empty() || !config.debug_exclude.is_empty() {
        // Core warns about a category it does not know and goes on.
        let known = |names: &[String]| -> Vec<String> {
            let (good, bad): (Vec<String>, Vec<String>) =
                names.iter().cloned().partition(|n| zennetd::logging::is_category(n));
            for name in bad {
                tracing::warn!("Unsupported logging category -debug={name}.");
            }
            good
        };
        let _ = zennetd::logging::update(&known(&config.debug), &known(&config.debug_exclude));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(node::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `-daemon`: the node again in a process of its own group, detached from
/// the terminal, and this one returns ("Zennet server starting", as Core).
/// `-daemonwait` returns once the node's RPC port answers, or fails with the
/// node's exit status if it stops first.
fn daemonize(config: &config::Config) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let is_daemon_flag = |a: &std::ffi::OsString| {
        a.to_str().is_some_and(|s| {
            let name = s.trim_start_matches('-').split('=').next().unwrap_or_default();
            matches!(name, "daemon" | "daemonwait" | "nodaemon" | "nodaemonwait")
        })
    };
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).filter(|a| !is_daemon_flag(a)).collect();
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("Error: cannot find this program to start it in the background: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut child = match std::process::Command::new(exe)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("Error: cannot start the daemon: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Zennet server starting");
    if config.daemon_wait {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], config.rpc_port));
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                eprintln!("Error: zennetd stopped while starting ({status}); see debug.log");
                return ExitCode::FAILURE;
            }
            if std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_millis(200)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    ExitCode::SUCCESS
}

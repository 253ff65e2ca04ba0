//! A full disk stops the node (Core's AbortNode): a clear message, a
//! non-zero exit, nothing acknowledged lost, and a consistent restart once
//! space is freed. The datadir sits on a small tmpfs mounted by the test
//! (CI runs as root).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use zennet_tests::{Node, REGTEST_ADDRESS};

/// A tmpfs of `size_mib` mounted on a fresh directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size_mib: u32) -> Tmpfs {
        let dir = tempfile::Builder::new().prefix("zennet-tmpfs-").tempdir().expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "mounting a tmpfs needs root (CI and the developers' machines run as root)");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// Fills the filesystem of `dir` until `leave_mib` MiB are free.
fn fill(dir: &Path, leave_mib: u64) -> PathBuf {
    let filler = dir.join("filler");
    let stats = free_bytes(dir);
    let size = stats.saturating_sub(leave_mib << 20);
    let status = Command::new("fallocate").args(["-l", &size.to_string()]).arg(&filler).status().expect("fallocate");
    assert!(status.success(), "fallocate {size} bytes");
    filler
}

/// Free bytes of the filesystem holding `dir`, as df reports them.
fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df").args(["--output=avail", "-B1"]).arg(dir).output().expect("df");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().nth(1).and_then(|l| l.trim().parse().ok()).expect("df output")
}

#[test]
fn a_full_disk_stops_the_node_cleanly_and_it_resumes_when_space_is_freed() {
    let disk = Tmpfs::mount(96);
    let data = disk.path().join("data");
    std::fs::create_dir(&data).expect("datadir");
    // -alertnotify is told why the node stops (its file on another disk).
    let alerts = tempfile::tempdir().unwrap();
    let alert_file = alerts.path().join("alerts");
    let alertnotify = format!("-alertnotify=echo %s >> {}", alert_file.display());
    let mut node = Node::on_datadir(data.clone(), &[&alertnotify]);
    node.restart();
    let mined = node.rpc("generatetoaddress", json!([20, REGTEST_ADDRESS]));
    let acknowledged = mined.as_array().unwrap().last().unwrap().as_str().unwrap().to_string();

    // Leave less than the 50 MiB the node keeps free: the next block stops it.
    let filler = fill(disk.path(), 30);
    let result = node.try_rpc("generatetoaddress", json!([5, REGTEST_ADDRESS]));
    eprintln!("generatetoaddress on a full disk: {result:?}");
    assert!(result.is_err(), "a block was acknowledged with no space to store it");
    let status = node.wait_for_exit(Duration::from_secs(60));
    assert!(!status.success(), "exit status {status}");
    let log = node.log();
    assert!(log.contains("Disk space is too low!"), "log:\n{log}");
    zennet_tests::wait_for("the alert", Duration::from_secs(30), || {
        std::fs::read_to_string(&alert_file).ok().filter(|t| t.contains("Disk space is too low"))
    });

    // Still full: it refuses to start, and says why.
    let mut child = node.spawn_process(&[]);
    let status = child.wait().expect("wait");
    assert!(!status.success());
    assert!(node.log().contains("Error: Disk space is too low!"), "log:\n{}", node.log());

    // Space freed: the same chain, consistent, and it mines on.
    std::fs::remove_file(filler).expect("free the space");
    node.restart();
    assert_eq!(node.height(), 20);
    assert_eq!(node.tip(), acknowledged);
    assert_eq!(node.rpc("verifychain", json!([4, 0])), json!(true));
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    assert_eq!(node.height(), 21);
    assert!(node.stop().success());
}

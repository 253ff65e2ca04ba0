use super::*;

fn sample_identity(role: u8) -> Identity {
    Identity { role, pubkey: [0x11; 32], nonce: 99 }
}

fn sample_task() -> Task {
    Task {
        publisher: sample_identity(1),
        os_choices: vec!["debian-12".into(), "alpine".into()],
        min_bandwidth_kbps: 10_000,
        min_disk_mb: 20_000,
        min_disk_iops: 500,
        persistent_mb: 1024,
        core_choices: vec![CoreChoice { count: 4, min_mhz: 2_000 }],
        memory_mb_per_core: 2048,
        min_memory_mhz: 2400,
        min_vms: 3,
        endpoint: "203.0.113.5:9000".into(),
        lease_min_secs: 3600,
        lease_max_secs: 86_400,
        payout_interval_secs: -60,
        rate_core_ghz_hour: 1_000,
        rate_memory_mb_hour: 2,
        rate_disk_gb_hour: 3,
        rate_transfer_gb: 4,
        accept_pow_bits: 0x1f00ffff,
        accept_within_blocks: 144,
        info: "https://example.org/t".into(),
    }
}

fn bodies() -> Vec<SignedBody> {
    let signature = [0x5a; SIGNATURE_SIZE];
    vec![
        SignedBody { body: sample_task().into(), signature },
        SignedBody {
            body: MarketBody::Acceptance(Acceptance {
                task_id: [7; 32],
                node: sample_identity(2),
                payee_pubkey: [2; 33],
                cores: 4,
                mhz: 2500,
                memory_mb: 8192,
                disk_mb: 40_000,
                bandwidth_kbps: 50_000,
            }),
            signature,
        },
        SignedBody {
            body: MarketBody::Cancel(Cancel { task_id: [7; 32], publisher: sample_identity(1), node_pubkey: None }),
            signature,
        },
        SignedBody {
            body: MarketBody::Cancel(Cancel {
                task_id: [7; 32],
                publisher: sample_identity(1),
                node_pubkey: Some([3; 32]),
            }),
            signature,
        },
    ]
}

#[test]
fn bodies_round_trip_and_refuse_trailing_or_missing_bytes() {
    for signed in bodies() {
        let kind = signed.body.kind();
        let bytes = signed.encode();
        assert_eq!(SignedBody::decode(kind, &bytes).unwrap(), signed);
        let mut longer = bytes.clone();
        longer.insert(bytes.len() - SIGNATURE_SIZE, 0);
        assert!(SignedBody::decode(kind, &longer).is_err(), "{kind:?} with a byte before the signature");
        for cut in 0..bytes.len() {
            assert!(SignedBody::decode(kind, &bytes[..cut]).is_err(), "{kind:?} cut at {cut}");
        }
    }
}

#[test]
fn limits_are_enforced() {
    let signature = [0u8; SIGNATURE_SIZE];
    let mut task = sample_task();
    task.os_choices = vec!["x".into(); 9];
    let bytes = SignedBody { body: task.into(), signature }.encode();
    assert!(SignedBody::decode(AnnouncementKind::Task, &bytes).is_err(), "nine OS choices");
    let mut task = sample_task();
    task.core_choices.clear();
    let bytes = SignedBody { body: task.into(), signature }.encode();
    assert!(SignedBody::decode(AnnouncementKind::Task, &bytes).is_err(), "no core choice");
    let mut task = sample_task();
    task.endpoint = "e".repeat(65);
    let bytes = SignedBody { body: task.into(), signature }.encode();
    assert!(SignedBody::decode(AnnouncementKind::Task, &bytes).is_err(), "endpoint too long");
    // Cancel scope 2 is undefined.
    let mut bytes = bodies()[2].encode();
    bytes[32 + 41] = 2;
    assert!(SignedBody::decode(AnnouncementKind::Cancel, &bytes).is_err());
    // A body of one kind is not a body of another.
    assert!(SignedBody::decode(AnnouncementKind::Acceptance, &bodies()[0].encode()).is_err());
}

#[test]
fn identities_show_as_bech32m() {
    let id = sample_identity(1);
    for network in Network::ALL {
        let text = id.to_bech32m(network);
        assert!(text.starts_with(network.identity_hrp()));
        assert_eq!(Identity::from_bech32m(&text, network).unwrap(), id);
    }
    assert!(Identity::from_bech32m(&id.to_bech32m(Network::Main), Network::Regtest).is_err());
}

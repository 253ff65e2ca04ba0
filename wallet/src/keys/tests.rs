use std::str::FromStr;

use bitcoin::bip32::{DerivationPath, Xpriv, Xpub};
use bitcoin::NetworkKind;

use super::*;

/// BIP39's reference vectors (trezor/python-mnemonic vectors.json, passphrase
/// "TREZOR"): entropy, phrase, seed, BIP32 root key.
const BIP39_VECTORS: &[(&str, &str, &str, &str)] = &[
    (
        "00000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF",
    ),
    (
        "ffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
        "xprv9s21ZrQH143K2V4oox4M8Zmhi2Fjx5XK4Lf7GKRvPSgydU3mjZuKGCTg7UPiBUD7ydVPvSLtg9hjp7MQTYsW67rZHAXeccqYqrsx8LcXnyd",
    ),
    (
        "808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
        "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65",
        "xprv9s21ZrQH143K3VPCbxbUtpkh9pRG371UCLDz3BjceqP1jz7XZsQ5EnNkYAEkfeZp62cDNj13ZTEVG1TEro9sZ9grfRmcYWLBhCocViKEJae",
    ),
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
        "xprv9s21ZrQH143K32qBagUJAMU2LsHg3ka7jqMcV98Y7gVeVyNStwYS3U7yVVoDZ4btbRNf4h6ibWpY22iRmXq35qgLs79f312g2kj5539ebPM",
    ),
    (
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
        "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
        "xprv9s21ZrQH143K2WFF16X85T2QCpndrGwx6GueB72Zf3AHwHJaknRXNF37ZmDrtHrrLSHvbuRejXcnYxoZKvRquTPyp2JiNG3XcjQyzSEgqCB",
    ),
    (
        "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
        "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
        "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440",
        "xprv9s21ZrQH143K2XTAhys3pMNcGn261Fi5Ta2Pw8PwaVPhg3D8DWkzWQwjTJfskj8ofb81i9NP2cUNKxwjueJHHMQAnxtivTA75uUFqPFeWzk",
    ),
    (
        "9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
        "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
        "72be8e052fc4919d2adf28d5306b5474b0069df35b02303de8c1729c9538dbb6fc2d731d5f832193cd9fb6aeecbc469594a70e3dd50811b5067f3b88b28c3e8d",
        "xprv9s21ZrQH143K2WNnKmssvZYM96VAr47iHUQUTUyUXH3sAGNjhJANddnhw3i3y3pBbRAVk5M5qUGFr4rHbEWwXgX4qrvrceifCYQJbbFDems",
    ),
];

#[test]
fn bip39_vectors() {
    for (entropy, phrase, seed, root) in BIP39_VECTORS {
        let m = bip39::Mnemonic::from_entropy(&hex::decode(entropy).unwrap()).unwrap();
        assert_eq!(m.to_string(), *phrase);
        let parsed = parse_mnemonic(&phrase.to_uppercase().replace(' ', "  ")).unwrap();
        assert_eq!(parsed.to_entropy(), hex::decode(entropy).unwrap());
        let s = parsed.to_seed("TREZOR");
        assert_eq!(hex::encode(s), *seed);
        assert_eq!(Xpriv::new_master(NetworkKind::Main, &s).unwrap().to_string(), *root);
    }
}

#[test]
fn bad_phrases_are_refused() {
    // Wrong checksum word, unknown word, wrong length.
    assert!(parse_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"
    )
    .is_err());
    assert!(parse_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon zennet"
    )
    .is_err());
    assert!(parse_mnemonic("abandon about").is_err());
}

#[test]
fn new_phrases_have_24_words_and_differ() {
    let a = generate_mnemonic();
    let b = generate_mnemonic();
    assert_eq!(a.word_count(), MNEMONIC_WORDS);
    assert_ne!(a.to_string(), b.to_string());
}

/// BIP32 test vector 1.
#[test]
fn bip32_vector_1() {
    let secp = Secp256k1::new();
    let master =
        Xpriv::new_master(NetworkKind::Main, &hex::decode("000102030405060708090a0b0c0d0e0f").unwrap()).unwrap();
    let cases = [
        ("m", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"),
        ("m/0h", "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw", "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7"),
        ("m/0h/1", "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ", "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs"),
        ("m/0h/1/2h/2/1000000000", "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy", "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76"),
    ];
    for (path, xpub, xprv) in cases {
        let derived = master.derive_priv(&secp, &DerivationPath::from_str(path).unwrap()).unwrap();
        assert_eq!(derived.to_string(), xprv, "{path}");
        assert_eq!(Xpub::from_priv(&secp, &derived).to_string(), xpub, "{path}");
    }
}

/// BIP84's vector: the "abandon … about" phrase at m/84'/0'/0'.
#[test]
fn bip84_vector_through_our_account_code() {
    let secp = Secp256k1::new();
    let m =
        parse_mnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
            .unwrap();
    let ([keys, _], secret) = derive_account_with_coin(seed_of(&m).as_ref(), Network::Main, 0, 0).unwrap();
    let first = keys.public_key(&secp, Chain::Receive, 0).unwrap();
    assert_eq!(hex::encode(first.serialize()), "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c");
    let program = p2wpkh_script(&first);
    // bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu carries this program.
    assert_eq!(hex::encode(&program.as_bytes()[2..]), "c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2");
    let change = keys.public_key(&secp, Chain::Change, 0).unwrap();
    assert_eq!(hex::encode(&p2wpkh_script(&change).as_bytes()[2..]), "3e34985dca6fddc9fb369940e4c7d8e2873f529c");
    // Private and public derivations agree.
    let sk = secret.secret_key(&secp, OutputType::Bech32, Chain::Receive, 0).unwrap();
    assert_eq!(PublicKey::from_secret_key(&secp, &sk), first);
    assert_eq!(keys.origin(), "[73c5da0a/84h/0h/0h]");
}

#[test]
fn zennet_addresses_round_trip() {
    let secp = Secp256k1::new();
    let m = generate_mnemonic();
    for network in Network::ALL {
        let ([keys, _], _) = derive_account(seed_of(&m).as_ref(), network, 0).unwrap();
        for i in 0..20 {
            let script = p2wpkh_script(&keys.public_key(&secp, Chain::Receive, i).unwrap());
            let text = primitives::Address::from_script(&script, network).unwrap().to_string();
            assert!(text.starts_with(network.bech32_hrp()));
            assert_eq!(primitives::Address::parse(&text, network).unwrap().script_pubkey(), &script);
        }
    }
}

/// BIP86's vectors: the "abandon … about" phrase at m/86'/0'/0'
/// (bips/bip-0086.mediawiki, "Test vectors"): internal keys, output keys,
/// scriptPubKeys and addresses of the first two receive keys and the first
/// change key, through the account code and the signing key's tweak.
#[test]
fn bip86_vectors_through_our_account_code() {
    let secp = Secp256k1::new();
    let m =
        parse_mnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
            .unwrap();
    let ([_, tr], secret) = derive_account_with_coin(seed_of(&m).as_ref(), Network::Main, 0, 0).unwrap();
    assert_eq!(
        tr.xpub.to_string(),
        "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ"
    );
    assert_eq!(tr.origin(), "[73c5da0a/86h/0h/0h]");
    let cases = [
        (
            Chain::Receive,
            0,
            "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115",
            "5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c",
            "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
        ),
        (
            Chain::Receive,
            1,
            "83dfe85a3151d2517290da461fe2815591ef69f2b18a2ce63f01697a8b313145",
            "5120a82f29944d65b86ae6b5e5cc75e294ead6c59391a1edc5e016e3498c67fc7bbb",
            "bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh",
        ),
        (
            Chain::Change,
            0,
            "399f1b2f4393f29a18c937859c5dd8a77350103157eb880f02e8c08214277cef",
            "5120882d74e5d0572d5a816cef0041a96b6c1de832f6f9676d9605c44d5e9a97d3dc",
            "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7",
        ),
    ];
    for (chain, index, internal, spk, address) in cases {
        let key = tr.public_key(&secp, chain, index).unwrap();
        assert_eq!(hex::encode(key.x_only_public_key().0.serialize()), internal);
        let script = tr.script(&secp, chain, index).unwrap();
        assert_eq!(hex::encode(script.as_bytes()), spk);
        // Bitcoin's address of the same program, built by rust-bitcoin.
        let program = bitcoin::WitnessProgram::new(bitcoin::WitnessVersion::V1, &script.as_bytes()[2..]).unwrap();
        assert_eq!(bitcoin::Address::from_witness_program(program, bitcoin::KnownHrp::Mainnet).to_string(), address);
        let sk = secret.secret_key(&secp, OutputType::Bech32m, chain, index).unwrap();
        assert_eq!(PublicKey::from_secret_key(&secp, &sk), key);
    }
    assert_eq!(
        tr.key_descriptor(&secp, Chain::Receive, 0).unwrap(),
        "tr([73c5da0a/86h/0h/0h/0/0]cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115)"
    );
}

#[test]
fn output_types_parse_as_core() {
    assert_eq!(OutputType::parse("bech32m"), Ok(OutputType::Bech32m));
    assert_eq!(OutputType::parse("bech32"), Ok(OutputType::Bech32));
    assert_eq!(OutputType::parse("legacy").unwrap_err().to_string(), "Error: No legacy addresses available.");
    assert_eq!(OutputType::parse("foo").unwrap_err().to_string(), "Unknown address type 'foo'");
}

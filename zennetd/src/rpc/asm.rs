//! Scripts as Bitcoin Core prints them (`ScriptToAsmStr`) and their type names.

use bitcoin::opcodes::all as op;
use bitcoin::script::Instruction;
use bitcoin::Script;

/// Core's asm: small pushes as numbers, other pushes as hex, opcodes by
/// name; with `sighash_decode`, a push that parses as a signature ends in
/// its hash type (`[ALL]`).
pub fn script_to_asm(script: &Script, sighash_decode: bool) -> String {
    let mut parts = Vec::new();
    for instruction in script.instructions() {
        match instruction {
            Ok(Instruction::PushBytes(bytes)) => {
                let data = bytes.as_bytes();
                if data.len() <= 4 {
                    parts.push(script_num(data).to_string());
                } else if sighash_decode && is_der_signature(data) {
                    let (sig, hash_type) = data.split_at(data.len() - 1);
                    parts.push(format!("{}{}", hex::encode(sig), sighash_name(hash_type[0])));
                } else {
                    parts.push(hex::encode(data));
                }
            }
            Ok(Instruction::Op(opcode)) => parts.push(opcode_name(opcode)),
            Err(_) => {
                parts.push("[error]".into());
                break;
            }
        }
    }
    parts.join(" ")
}

fn script_num(data: &[u8]) -> i64 {
    if data.is_empty() {
        return 0;
    }
    let mut value: i64 = 0;
    for (i, b) in data.iter().enumerate() {
        value |= i64::from(*b) << (8 * i);
    }
    let last = data[data.len() - 1];
    if last & 0x80 != 0 {
        -(value & !(0x80i64 << (8 * (data.len() - 1))))
    } else {
        value
    }
}

fn opcode_name(opcode: bitcoin::Opcode) -> String {
    let byte = opcode.to_u8();
    match byte {
        0x00 => "0".into(),
        0x4f => "-1".into(),
        0x51..=0x60 => (byte - 0x50).to_string(),
        _ if opcode == op::OP_CLTV => "OP_CHECKLOCKTIMEVERIFY".into(),
        _ if opcode == op::OP_CSV => "OP_CHECKSEQUENCEVERIFY".into(),
        _ if byte >= 0xba => "OP_UNKNOWN".into(),
        _ => opcode.to_string(),
    }
}

fn is_der_signature(data: &[u8]) -> bool {
    data.len() >= 9 && data.len() <= 73 && data[0] == 0x30 && usize::from(data[1]) == data.len() - 3
}

fn sighash_name(hash_type: u8) -> &'static str {
    match hash_type {
        0x01 => "[ALL]",
        0x02 => "[NONE]",
        0x03 => "[SINGLE]",
        0x81 => "[ALL|ANYONECANPAY]",
        0x82 => "[NONE|ANYONECANPAY]",
        0x83 => "[SINGLE|ANYONECANPAY]",
        _ => "",
    }
}

/// Core's `GetTxnOutputType` names.
pub fn script_type(script: &Script) -> &'static str {
    script::standard::classify(script.as_bytes()).name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_asm_conventions() {
        let p2pkh = hex::decode("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac").unwrap();
        assert_eq!(
            script_to_asm(Script::from_bytes(&p2pkh), false),
            "OP_DUP OP_HASH160 751e76e8199196d454941c45d1b3a323f1433bd6 OP_EQUALVERIFY OP_CHECKSIG"
        );
        // Height 413567 pushed as three bytes prints as a number.
        assert_eq!(
            script_to_asm(Script::from_bytes(&[0x03, 0x7f, 0x4f, 0x06, 0x00, 0x51, 0x4f, 0xb1]), false),
            "413567 0 1 -1 OP_CHECKLOCKTIMEVERIFY"
        );
        assert_eq!(script_to_asm(Script::from_bytes(&[0x01, 0x81]), false), "-1");
        assert_eq!(script_type(Script::from_bytes(&p2pkh)), "pubkeyhash");
        assert_eq!(
            script_type(Script::from_bytes(&[
                0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            ])),
            "nulldata"
        );
    }
}

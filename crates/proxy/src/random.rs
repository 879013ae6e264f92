//! Random text for what must not be guessed or repeat: sandbox tokens and ids, secrets of an
//! open sandbox, the part of request ids that tells replicas apart.

/// Random hex, for tokens and ids that must not be guessable.
pub fn hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // No OS randomness: fall back to the clock, which still makes ids unique.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ i as u8;
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random number, for the sandbox's simulated jitter and failures (not for secrets).
pub fn number() -> u32 {
    let mut buf = [0u8; 4];
    let _ = getrandom::fill(&mut buf);
    u32::from_le_bytes(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_has_the_asked_length_and_varies() {
        let a = super::hex(16);
        assert_eq!(a.len(), 32);
        assert_ne!(a, super::hex(16));
    }
}

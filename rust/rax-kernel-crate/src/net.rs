//! Checked, typed views of packet headers.
//!
//! Each `parse` checks that the bytes it needs are present and returns
//! `None` otherwise; accessors return host-order values.  Views borrow the
//! packet, so they cannot outlive the run.

/// EtherType of IPv4.
pub const ETH_P_IP: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETH_P_IPV6: u16 = 0x86DD;
/// EtherType of ARP.
pub const ETH_P_ARP: u16 = 0x0806;
/// IP protocol numbers.
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_ICMPV6: u8 = 58;

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The length of a header whose size field counts 32-bit words, if it is
/// at least `min` and all of it is present in `bytes`.
#[inline]
fn word_counted_len(bytes: &[u8], words: u8, min: usize) -> Option<usize> {
    let header_len = usize::from(words) * 4;
    if header_len < min || bytes.len() < header_len {
        return None;
    }
    Some(header_len)
}

#[inline]
fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&b[at..at + N]);
    out
}

/// An Ethernet II header (14 bytes, no VLAN tag parsing).
#[derive(Clone, Copy)]
pub struct Ethernet<'a> {
    bytes: &'a [u8],
}

impl<'a> Ethernet<'a> {
    pub const LEN: usize = 14;

    #[inline]
    pub fn parse(packet: &'a [u8]) -> Option<Self> {
        if packet.len() < Self::LEN {
            return None;
        }
        Some(Ethernet { bytes: packet })
    }
    #[inline]
    pub fn dst(&self) -> [u8; 6] {
        array(self.bytes, 0)
    }
    #[inline]
    pub fn src(&self) -> [u8; 6] {
        array(self.bytes, 6)
    }
    #[inline]
    pub fn ether_type(&self) -> u16 {
        be16(self.bytes, 12)
    }
    /// The bytes after the Ethernet header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[Self::LEN..]
    }
}

/// An IPv4 header (with options, `ihl * 4` bytes).
#[derive(Clone, Copy)]
pub struct Ipv4<'a> {
    bytes: &'a [u8],
    header_len: usize,
}

impl<'a> Ipv4<'a> {
    pub const MIN_LEN: usize = 20;

    /// Parses the header at the start of `bytes`: version 4, IHL >= 5 and
    /// the whole header present.
    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.len() < Self::MIN_LEN || bytes[0] >> 4 != 4 {
            return None;
        }
        let header_len = word_counted_len(bytes, bytes[0] & 0x0f, Self::MIN_LEN)?;
        Some(Ipv4 { bytes, header_len })
    }
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }
    #[inline]
    pub fn tos(&self) -> u8 {
        self.bytes[1]
    }
    #[inline]
    pub fn total_len(&self) -> u16 {
        be16(self.bytes, 2)
    }
    #[inline]
    pub fn id(&self) -> u16 {
        be16(self.bytes, 4)
    }
    /// Fragment offset in 8-byte units (0 for the first or only fragment).
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        be16(self.bytes, 6) & 0x1fff
    }
    #[inline]
    pub fn more_fragments(&self) -> bool {
        be16(self.bytes, 6) & 0x2000 != 0
    }
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.bytes[8]
    }
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.bytes[9]
    }
    #[inline]
    pub fn src(&self) -> [u8; 4] {
        array(self.bytes, 12)
    }
    #[inline]
    pub fn dst(&self) -> [u8; 4] {
        array(self.bytes, 16)
    }
    /// The bytes after the header (up to the end of the packet).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.header_len..]
    }
}

/// A fixed IPv6 header (40 bytes; extension headers are payload).
#[derive(Clone, Copy)]
pub struct Ipv6<'a> {
    bytes: &'a [u8],
}

impl<'a> Ipv6<'a> {
    pub const LEN: usize = 40;

    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.len() < Self::LEN || bytes[0] >> 4 != 6 {
            return None;
        }
        Some(Ipv6 { bytes })
    }
    #[inline]
    pub fn payload_len(&self) -> u16 {
        be16(self.bytes, 4)
    }
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.bytes[6]
    }
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.bytes[7]
    }
    #[inline]
    pub fn src(&self) -> [u8; 16] {
        array(self.bytes, 8)
    }
    #[inline]
    pub fn dst(&self) -> [u8; 16] {
        array(self.bytes, 24)
    }
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[Self::LEN..]
    }
}

/// A TCP header (with options).
#[derive(Clone, Copy)]
pub struct Tcp<'a> {
    bytes: &'a [u8],
    header_len: usize,
}

impl<'a> Tcp<'a> {
    pub const MIN_LEN: usize = 20;

    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.len() < Self::MIN_LEN {
            return None;
        }
        let header_len = word_counted_len(bytes, bytes[12] >> 4, Self::MIN_LEN)?;
        Some(Tcp { bytes, header_len })
    }
    #[inline]
    pub fn src_port(&self) -> u16 {
        be16(self.bytes, 0)
    }
    #[inline]
    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, 2)
    }
    #[inline]
    pub fn seq(&self) -> u32 {
        be32(self.bytes, 4)
    }
    #[inline]
    pub fn ack_seq(&self) -> u32 {
        be32(self.bytes, 8)
    }
    /// The flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.bytes[13]
    }
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.header_len..]
    }
}

/// A UDP header (8 bytes).
#[derive(Clone, Copy)]
pub struct Udp<'a> {
    bytes: &'a [u8],
}

impl<'a> Udp<'a> {
    pub const LEN: usize = 8;

    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.len() < Self::LEN {
            return None;
        }
        Some(Udp { bytes })
    }
    #[inline]
    pub fn src_port(&self) -> u16 {
        be16(self.bytes, 0)
    }
    #[inline]
    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, 2)
    }
    #[inline]
    pub fn len(&self) -> u16 {
        be16(self.bytes, 4)
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() <= Self::LEN as u16
    }
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[Self::LEN..]
    }
}

//! XDP programs: the context and the result.

use crate::abi::XdpCtx;
use crate::net::{Ethernet, Ipv4, Ipv6};

/// What to do with the packet (the kernel's XDP actions).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XdpAction {
    Aborted = 0,
    Drop = 1,
    Pass = 2,
    Tx = 3,
    Redirect = 4,
}

/// The packet and its metadata for one run.  The packet bytes belong to
/// this run alone, so they are a plain (bounds-checked) mutable slice.
pub struct XdpContext<'a> {
    data: &'a mut [u8],
    ingress_ifindex: u32,
    rx_queue_index: u32,
}

impl<'a> XdpContext<'a> {
    /// The packet, starting at the Ethernet header.
    #[inline]
    pub fn data(&self) -> &[u8] {
        self.data
    }
    /// The packet, writable (e.g. to rewrite addresses before `Tx`).
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        self.data
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.data.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    #[inline]
    pub fn ingress_ifindex(&self) -> u32 {
        self.ingress_ifindex
    }
    #[inline]
    pub fn rx_queue_index(&self) -> u32 {
        self.rx_queue_index
    }
    /// The Ethernet header, if the packet is long enough.
    #[inline]
    pub fn eth(&self) -> Option<Ethernet<'_>> {
        Ethernet::parse(self.data)
    }
    /// The bytes after an Ethernet header of type `ether_type`.
    #[inline]
    fn eth_payload(&self, ether_type: u16) -> Option<&[u8]> {
        let eth = self.eth()?;
        if eth.ether_type() != ether_type {
            return None;
        }
        Some(eth.payload())
    }
    /// The IPv4 header following an Ethernet header of type IPv4.
    #[inline]
    pub fn ipv4(&self) -> Option<Ipv4<'_>> {
        Ipv4::parse(self.eth_payload(crate::net::ETH_P_IP)?)
    }
    /// The IPv6 header following an Ethernet header of type IPv6.
    #[inline]
    pub fn ipv6(&self) -> Option<Ipv6<'_>> {
        Ipv6::parse(self.eth_payload(crate::net::ETH_P_IPV6)?)
    }
}

/// Entry glue used by [`xdp!`](crate::xdp!); not for extension code.
///
/// # Safety
/// `ctx` must point to a `rax_xdp_ctx` whose `data..data_end` range is
/// valid, writable and not accessed by anything else during the run: the
/// runtime that calls the program guarantees this.
#[doc(hidden)]
#[inline(always)]
pub unsafe fn __run(ctx: *mut XdpCtx, prog: fn(&mut XdpContext<'_>) -> XdpAction) -> u64 {
    // SAFETY: guaranteed by the caller (see above).
    let raw = unsafe { &*ctx };
    let len = raw.data_end.wrapping_sub(raw.data) as usize;
    // SAFETY: guaranteed by the caller (see above).
    let data = unsafe { core::slice::from_raw_parts_mut(raw.data as *mut u8, len) };
    let mut context = XdpContext {
        data,
        ingress_ifindex: raw.ingress_ifindex,
        rx_queue_index: raw.rx_queue_index,
    };
    prog(&mut context) as u64
}

/// Define an XDP program:
///
/// ```ignore
/// rax::xdp! {
///     fn my_prog(ctx: &mut XdpContext) -> XdpAction { XdpAction::Pass }
/// }
/// ```
/// The function becomes the object's program `my_prog` in section `xdp`.
/// The body is ordinary safe Rust; the macro adds nothing around it.
#[macro_export]
macro_rules! xdp {
    (fn $name:ident ( $($params:tt)* ) -> $ret:ty $body:block) => {
        #[no_mangle]
        #[link_section = "xdp"]
        pub unsafe extern "C" fn $name(ctx: *mut $crate::abi::XdpCtx) -> u64 {
            #[inline]
            fn __rax_prog($($params)*) -> $ret $body
            // Keeps the entry alive through `ld --gc-sections`; raxtool
            // build drops this section after linking.
            #[used]
            #[link_section = ".rax.progs"]
            static __RAX_PROG: unsafe extern "C" fn(*mut $crate::abi::XdpCtx) -> u64 = $name;
            // SAFETY: the runtime calls program entries only with a valid
            // context for the program's type.
            unsafe { $crate::xdp::__run(ctx, __rax_prog) }
        }
    };
}

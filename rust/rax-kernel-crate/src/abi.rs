//! Rust mirror of `include/rax/abi.h` (ABI v1).
//!
//! Every object carries [`LAYOUT`] in `.rax.abi`; librax compares it with
//! the C header's view on load, so a drift between the two is caught on the
//! first object built, not by a crash.

use core::mem::{offset_of, size_of};
use core::sync::atomic::AtomicU64;

pub const RAX_ABI_VERSION: u32 = 1;

pub const RAX_XDP_ABORTED_RESULT: u64 = 0;
pub const RAX_TRACE_ABORTED_RESULT: u64 = 0;

pub const RAX_MAP_TYPE_HASH: u32 = 1;
pub const RAX_MAP_TYPE_ARRAY: u32 = 2;
pub const RAX_MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;
pub const RAX_F_CURRENT_CPU: u64 = 0xffff_ffff;

pub const RAX_ANY: u64 = 0;
pub const RAX_NOEXIST: u64 = 1;
pub const RAX_EXIST: u64 = 2;

pub const RAX_STACK_SIZE: u32 = 32 * 1024;
pub const RAX_STACK_RESERVE: u32 = 8 * 1024;
pub const RAX_STACK_BUDGET: u32 = RAX_STACK_SIZE - RAX_STACK_RESERVE;
pub const RAX_PANIC_MSG_LEN: usize = 160;

/// Number of entries of `RAX_HELPERS` this crate was written against.
pub const RAX_HELPER_COUNT: u32 = 19;

/// `struct rax_xdp_ctx`
#[repr(C)]
pub struct XdpCtx {
    pub data: u64,
    pub data_end: u64,
    pub ingress_ifindex: u32,
    pub rx_queue_index: u32,
}

/// `struct rax_kprobe_ctx`
#[repr(C)]
pub struct KprobeCtx {
    pub args: [u64; 6],
    pub ret: u64,
    pub ip: u64,
    pub sp: u64,
}

pub const RAX_RAW_TP_MAX_ARGS: usize = 12;

/// `struct rax_raw_tp_ctx`
#[repr(C)]
pub struct RawTpCtx {
    pub args: [u64; RAX_RAW_TP_MAX_ARGS],
    pub nr_args: u32,
    pub reserved: u32,
}

/// `struct rax_map_def`.  The loader writes `inline_lookup` before the
/// first run (hence atomic, which also places `.maps` in writable memory):
/// ARRAY: the address of element 0; HASH: the offset of the value in what
/// `rax_map_lookup_raw` returns; 0: use `rax_map_lookup_ptr`
/// (include/rax/abi.h).
#[repr(C)]
pub struct MapDef {
    pub type_: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub pinning: u32,
    pub inline_lookup: AtomicU64,
}

/// `struct rax_abi_layout`
#[repr(C)]
pub struct AbiLayout {
    pub magic: u32,
    pub abi_version: u32,
    pub size: u32,
    pub map_def_size: u32,
    pub map_def_off_type: u32,
    pub map_def_off_key_size: u32,
    pub map_def_off_value_size: u32,
    pub map_def_off_max_entries: u32,
    pub map_def_off_map_flags: u32,
    pub map_def_off_pinning: u32,
    pub map_def_off_inline_lookup: u32,
    pub xdp_ctx_size: u32,
    pub xdp_ctx_off_data: u32,
    pub xdp_ctx_off_data_end: u32,
    pub xdp_ctx_off_ingress_ifindex: u32,
    pub xdp_ctx_off_rx_queue_index: u32,
    pub kprobe_ctx_size: u32,
    pub kprobe_ctx_off_ret: u32,
    pub raw_tp_ctx_size: u32,
    pub raw_tp_ctx_off_nr_args: u32,
    pub helper_count: u32,
    pub stack_size: u32,
    pub stack_budget: u32,
    pub reserved: u32,
}

pub const RAX_ABI_LAYOUT_MAGIC: u32 = 0x5841_5241;

/// This crate's view of the ABI, as librax reads it from `.rax.abi`.
pub const LAYOUT: AbiLayout = AbiLayout {
    magic: RAX_ABI_LAYOUT_MAGIC,
    abi_version: RAX_ABI_VERSION,
    size: size_of::<AbiLayout>() as u32,
    map_def_size: size_of::<MapDef>() as u32,
    map_def_off_type: offset_of!(MapDef, type_) as u32,
    map_def_off_key_size: offset_of!(MapDef, key_size) as u32,
    map_def_off_value_size: offset_of!(MapDef, value_size) as u32,
    map_def_off_max_entries: offset_of!(MapDef, max_entries) as u32,
    map_def_off_map_flags: offset_of!(MapDef, map_flags) as u32,
    map_def_off_pinning: offset_of!(MapDef, pinning) as u32,
    map_def_off_inline_lookup: offset_of!(MapDef, inline_lookup) as u32,
    xdp_ctx_size: size_of::<XdpCtx>() as u32,
    xdp_ctx_off_data: offset_of!(XdpCtx, data) as u32,
    xdp_ctx_off_data_end: offset_of!(XdpCtx, data_end) as u32,
    xdp_ctx_off_ingress_ifindex: offset_of!(XdpCtx, ingress_ifindex) as u32,
    xdp_ctx_off_rx_queue_index: offset_of!(XdpCtx, rx_queue_index) as u32,
    kprobe_ctx_size: size_of::<KprobeCtx>() as u32,
    kprobe_ctx_off_ret: offset_of!(KprobeCtx, ret) as u32,
    raw_tp_ctx_size: size_of::<RawTpCtx>() as u32,
    raw_tp_ctx_off_nr_args: offset_of!(RawTpCtx, nr_args) as u32,
    helper_count: RAX_HELPER_COUNT,
    stack_size: RAX_STACK_SIZE,
    stack_budget: RAX_STACK_BUDGET,
    reserved: 0,
};

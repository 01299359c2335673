#![no_std]
#![feature(core_intrinsics)]
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn prog(_ctx: &mut XdpContext) -> XdpAction { XdpAction::Pass }
}

#![no_std]
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn prog(ctx: &mut XdpContext) -> XdpAction {
        let ratio = ctx.len() as f32 / 1500.0;
        if ratio > 0.5 { XdpAction::Drop } else { XdpAction::Pass }
    }
}

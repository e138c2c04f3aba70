//! `GET …/testruns/{id}/live`: server-sent events. `event: second` carries a merged second's
//! summary each time a task's frame arrives; `event: status` the run's final status, then the
//! stream ends. A finished run answers with its status event at once.

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use stampede_control::LiveEvent;
use stampede_control::runs::Subscription;
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::routes::{AppState, blocking};

fn to_sse(event: &LiveEvent) -> Event {
    let (name, data) = match event {
        LiveEvent::Second(v) => ("second", v),
        LiveEvent::Status(v) => ("status", v),
    };
    Event::default().event(name).data(data.to_string())
}

pub(crate) async fn events(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let (tx, rx) = mpsc::unbounded_channel::<LiveEvent>();
    let subscriber = Box::new(move |e: &LiveEvent| tx.send(e.clone()).is_ok());
    let sub = blocking(&s.cp, move |cp| cp.subscribe(&test_id, &run_id, subscriber)).await?;
    // When the run ends the domain drops the sender after the status event, ending the stream.
    let first = match sub {
        Subscription::Live => None,
        Subscription::Ended(status) => Some(LiveEvent::Status(status)),
    };
    let live = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    let all = stream::iter(first).chain(live).map(|e| Ok(to_sse(&e)));
    Ok(Sse::new(all).keep_alive(KeepAlive::default()))
}

"""Members hear from the brand: WeChat subscribe messages (订阅消息) and an in-app inbox.

A member grants one-time permissions per template in the mini-program
(``wx.requestSubscribeMessage``); each accepted grant lets exactly one message through
``subscribeMessage.send``. Staff map each kind of notification to a template (its id, the page
to open, how the notification's fields fill the template's keys). Every notification lands in
the member's inbox, whatever the grants; a subscribe message is queued beside it and delivered
later (``koc.notifications.delivery``) with quiet hours, a daily cap, consent and WeChat's
answers respected, each message kept with its state.
"""

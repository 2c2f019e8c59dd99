/// <reference path="../node_modules/miniprogram-api-typings/index.d.ts" />
// Editor typings for wx.*, Component(), Behavior() and getCurrentPages() (miniprogram-api-typings).
